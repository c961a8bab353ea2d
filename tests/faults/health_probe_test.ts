/**
 * /health for an orchestrator: the full check (Redis and PostgreSQL) answers 503 while PostgreSQL
 * is away, and the process probe (`?probe=live`) still answers 200, so a liveness or readiness
 * probe on it neither restarts nor unroutes a server that keeps selling through the outage
 * (purchases are decided by Redis and wait in its outbox).
 */
import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { call, createSale, purchase } from "../helpers/client.ts";
import { createTestDatabase, PG_PORT, throughPort } from "../helpers/env.ts";
import { FaultProxy } from "../helpers/fault_proxy.ts";

Deno.test("PostgreSQL unreachable: /health answers 503 degraded, /health?probe=live 200, purchases go on", async () => {
  const db = await createTestDatabase();
  const proxy = new FaultProxy(PG_PORT);
  const app = await startTestApp({
    DATABASE_URL: throughPort(db.url, proxy.port),
    COMMIT_TIMEOUT_MS: "300",
  }, db);
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    assertEquals((await call(app.url, "GET", "/health")).status, 200);
    assertEquals(await call(app.url, "GET", "/health?probe=live"), {
      status: 200,
      body: { status: "live" },
    });

    proxy.pause();
    const health = await call(app.url, "GET", "/health");
    assertEquals([health.status, health.body.postgres], [503, "down"]);
    assertEquals(await call(app.url, "GET", "/health?probe=live"), {
      status: 200,
      body: { status: "live" },
    });
    assertEquals((await purchase(app.url, saleId, "during")).result, "PENDING");
  } finally {
    proxy.resume();
    proxy.close();
    await app.close();
  }
});
