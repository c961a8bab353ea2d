import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { type Attempt, countBy, createSale, pool } from "../helpers/client.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";

/** One purchase from a client at `ip` (as the trusted proxy in front reports it). */
async function buyFrom(base: string, saleId: number, userId: string, forwardedFor: string) {
  const res = await fetch(`${base}/api/sales/${saleId}/purchase`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ userId }),
  });
  const body = await res.json();
  const attempt: Attempt = {
    userId,
    status: res.status,
    result: body.result ?? body.error?.code ?? null,
    orderId: body.order?.id ?? null,
  };
  return { attempt, retryAfter: res.headers.get("retry-after") };
}

Deno.test("abuse limits: a noisy client and a noisy shopper get 429, everyone else still buys", async () => {
  const app = await startTestApp({
    RATE_LIMIT_PER_IP: "20",
    RATE_LIMIT_PER_SHOPPER: "5",
    RATE_LIMIT_WINDOW_MS: "60000",
    TRUSTED_PROXY_HOPS: "1",
  });
  try {
    const saleId = await createSale(app.url, { totalStock: 1000 });
    // A bot at one address with 200 made-up shoppers, racing 50 real shoppers at their own
    // addresses. It prepends a forged address: only the entry our proxy added counts.
    const noisy = pool(
      200,
      20,
      (i) => buyFrom(app.url, saleId, `bot-${i}`, `10.0.0.${i % 250}, 203.0.113.9`),
    );
    const others = pool(50, 10, (i) => buyFrom(app.url, saleId, `real-${i}`, `198.51.100.${i}`));
    const [bot, real] = await Promise.all([noisy, others]);
    assertEquals(countBy(bot, (r) => r.attempt.result), { SUCCESS: 20, RATE_LIMITED: 180 });
    assertEquals(countBy(real, (r) => r.attempt.result), { SUCCESS: 50 });
    for (const r of bot.filter((r) => r.attempt.status === 429)) {
      const seconds = Number(r.retryAfter);
      assert(seconds >= 1 && seconds <= 60, `Retry-After ${r.retryAfter}`);
    }

    // One shopper hammering from many addresses: five attempts a window, then 429.
    const same = [];
    for (let i = 0; i < 8; i++) {
      same.push(await buyFrom(app.url, saleId, "eager", `192.0.2.${i}`));
    }
    assertEquals(same.map((r) => r.attempt.result), [
      "SUCCESS",
      "ALREADY_PURCHASED",
      "ALREADY_PURCHASED",
      "ALREADY_PURCHASED",
      "ALREADY_PURCHASED",
      "RATE_LIMITED",
      "RATE_LIMITED",
      "RATE_LIMITED",
    ]);

    // A throttled attempt wrote nothing: 71 orders in all, and the history checks out.
    const attempts = [...bot, ...real, ...same].map((r) => r.attempt);
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals([state.orders, state.remaining], [71, 929]);
    assertEquals(await breaches(app.sql, state, saleId, attempts), NO_BREACHES);
  } finally {
    await app.close();
  }
});
