import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { assertEquals } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { call, createSale } from "../helpers/client.ts";

const SECRET = "a-shopper-signing-secret-of-32-chars!";
const key = new TextEncoder().encode(SECRET);

function token(
  claims: { sub?: string; aud?: string; exp?: number },
  signWith: Uint8Array = key,
): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (claims.sub) jwt = jwt.setSubject(claims.sub);
  jwt = jwt.setAudience(claims.aud ?? "flash-sale");
  jwt = jwt.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(signWith);
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

Deno.test("with SHOPPER_JWT_SECRET the shopper is the token's sub, never the body's userId", async () => {
  const app = await startTestApp({
    SHOPPER_JWT_SECRET: SECRET,
    SHOPPER_JWT_AUDIENCE: "flash-sale",
  });
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const path = `/api/sales/${saleId}/purchase`;

    const ok = await call(app.url, "POST", path, {}, bearer(await token({ sub: "alice" })));
    assertEquals([ok.status, ok.body.order.userId], [201, "alice"]);

    const refused: [string, Record<string, string>][] = [
      ["no token", {}],
      ["forged", bearer(await token({ sub: "mallory" }, new TextEncoder().encode("x".repeat(40))))],
      ["expired", bearer(await token({ sub: "bob", exp: Math.floor(Date.now() / 1000) - 60 }))],
      ["wrong audience", bearer(await token({ sub: "bob", aud: "another-shop" }))],
      ["no subject", bearer(await token({}))],
      ["not a JWT", bearer("not.a.jwt")],
    ];
    for (const [label, headers] of refused) {
      const res = await call(app.url, "POST", path, { userId: "bob" }, headers);
      assertEquals([res.status, res.body.error.code], [401, "SHOPPER_UNAUTHORIZED"], label);
    }
    const mismatch = await call(
      app.url,
      "POST",
      path,
      { userId: "bob" },
      bearer(await token({ sub: "carol" })),
    );
    assertEquals([mismatch.status, mismatch.body.error.code], [403, "FORBIDDEN_SHOPPER"]);
    const seed = await call(
      app.url,
      "POST",
      "/purchase",
      { saleId },
      bearer(await token({ sub: "dave" })),
    );
    assertEquals([seed.status, seed.body.order.userId], [200, "dave"]);

    // Orders: one's own only.
    const aliceToken = bearer(await token({ sub: "alice" }));
    const mine = await call(
      app.url,
      "GET",
      `/api/sales/${saleId}/orders/alice`,
      undefined,
      aliceToken,
    );
    assertEquals([mine.status, mine.body.order.id], [200, ok.body.order.id]);
    const theirs = await call(
      app.url,
      "GET",
      `/api/sales/${saleId}/orders/dave`,
      undefined,
      aliceToken,
    );
    assertEquals(theirs.status, 403);
    const anonymous = await call(app.url, "GET", `/api/sales/${saleId}/orders/alice`);
    assertEquals(anonymous.status, 401);

    const rows = await app
      .sql`SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`;
    assertEquals(rows.map((r) => r.user_id), ["alice", "dave"], "refused requests wrote nothing");
  } finally {
    await app.close();
  }
});

Deno.test("with SHOPPER_JWKS_URL tokens are verified against the published keys", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  const jwks = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ keys: [jwk] }),
  );
  const app = await startTestApp({
    SHOPPER_JWKS_URL: `http://127.0.0.1:${jwks.addr.port}/jwks.json`,
    SHOPPER_JWT_ISSUER: "https://id.example",
  });
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const sign = (issuer: string, signer: CryptoKey) =>
      new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject("erin")
        .setIssuer(issuer).setExpirationTime("5m").sign(signer);
    const ok = await call(
      app.url,
      "POST",
      `/api/sales/${saleId}/purchase`,
      {},
      bearer(await sign("https://id.example", privateKey)),
    );
    assertEquals([ok.status, ok.body.order.userId], [201, "erin"]);
    const wrongIssuer = await call(
      app.url,
      "POST",
      `/api/sales/${saleId}/purchase`,
      {},
      bearer(await sign("https://evil.example", privateKey)),
    );
    assertEquals(wrongIssuer.status, 401);
    const other = await generateKeyPair("ES256");
    const forged = await call(
      app.url,
      "POST",
      `/api/sales/${saleId}/purchase`,
      {},
      bearer(await sign("https://id.example", other.privateKey)),
    );
    assertEquals(forged.status, 401);
  } finally {
    await app.close();
    await jwks.shutdown();
  }
});
