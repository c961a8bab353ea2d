import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { startTestApp } from "../helpers/app.ts";
import { call, createSale } from "../helpers/client.ts";

const SECRET = "a-shopper-signing-secret-of-32-chars!";
const key = new TextEncoder().encode(SECRET);

function token(
  claims: { sub?: string; aud?: string; exp?: number | null },
  signWith: Uint8Array = key,
): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (claims.sub) jwt = jwt.setSubject(claims.sub);
  jwt = jwt.setAudience(claims.aud ?? "flash-sale");
  // null: a token without `exp`, which must never pass.
  if (claims.exp !== null) {
    jwt = jwt.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600);
  }
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
      ["no expiry", bearer(await token({ sub: "bob", exp: null }))],
      ["subject longer than a user id", bearer(await token({ sub: "b".repeat(300) }))],
      ["subject with a control character", bearer(await token({ sub: "bob\u0000" }))],
      ["blank subject", bearer(await token({ sub: "   " }))],
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
    SHOPPER_JWT_AUDIENCE: "flash-sale",
  });
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const sign = (issuer: string, signer: CryptoKey) =>
      new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject("erin")
        .setIssuer(issuer).setAudience("flash-sale").setExpirationTime("5m").sign(signer);
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

/** The sale page's no-JavaScript form post; `headers` as a sign-in proxy in front would add them. */
async function formPost(
  base: string,
  saleId: number,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; html: string }> {
  const res = await fetch(`${base}/sales/${saleId}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, html: await res.text() };
}

Deno.test("with SHOPPER_JWT_SECRET the no-JavaScript form never buys or reads as a typed userId", async () => {
  const app = await startTestApp({
    SHOPPER_JWT_SECRET: SECRET,
    SHOPPER_JWT_AUDIENCE: "flash-sale",
  });
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const victim = await call(
      app.url,
      "POST",
      `/api/sales/${saleId}/purchase`,
      {},
      bearer(await token({ sub: "victim" })),
    );
    assertEquals(victim.status, 201);
    const orders = () =>
      app.sql`SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`.then((rows) =>
        rows.map((r) => r.user_id)
      );

    const typed = await formPost(app.url, saleId, { userId: "mallory-as-anyone", quantity: "1" });
    assertEquals(typed.status, 401, "a typed id without a verified token is refused");
    assertMatch(typed.html, /sign in/i);
    const check = await formPost(app.url, saleId, { userId: "victim", intent: "check" });
    assertEquals(check.status, 401, "intent=check without a token is refused");
    assert(!check.html.includes(victim.body.order.id), "the victim's order is not shown");

    // Behind the shop's sign-in proxy the form arrives with the shopper's token.
    const alice = bearer(await token({ sub: "alice" }));
    const asOther = await formPost(app.url, saleId, { userId: "victim2", quantity: "1" }, alice);
    assertEquals(asOther.status, 403, "a typed id other than the token's is refused");
    const checkOther = await formPost(
      app.url,
      saleId,
      { userId: "victim", intent: "check" },
      alice,
    );
    assertEquals(checkOther.status, 403);
    assert(!checkOther.html.includes(victim.body.order.id), "another's order is not shown");
    const bought = await formPost(app.url, saleId, { userId: "", quantity: "1" }, alice);
    assertEquals(bought.status, 200);
    assertMatch(bought.html, /Order confirmed/);
    const [aliceOrder] = await app.sql`
      SELECT id FROM orders WHERE sale_id = ${saleId} AND user_id = 'alice'`;
    const mine = await formPost(app.url, saleId, { userId: "", intent: "check" }, alice);
    assertEquals(mine.status, 200);
    assert(mine.html.includes(aliceOrder!.id), "one's own order is shown");

    assertEquals(await orders(), ["alice", "victim"], "refused form posts wrote nothing");
    const page = await fetch(`${app.url}/sales/${saleId}`).then((r) => r.text());
    assertMatch(page, /sign in/i, "the page says how shoppers are identified");
    const signedIn = await fetch(`${app.url}/sales/${saleId}`, { headers: alice }).then((r) =>
      r.text()
    );
    assertMatch(signedIn, /name="userId"[^>]*value="alice"/, "the field holds the signed-in id");
  } finally {
    await app.close();
  }
});

Deno.test("form posts count against the per-client-IP limit like API calls", async () => {
  const app = await startTestApp({ RATE_LIMIT_PER_IP: "1", RATE_LIMIT_WINDOW_MS: "60000" });
  try {
    const saleId = await createSale(app.url, { totalStock: 5 });
    const api = await call(app.url, "POST", `/api/sales/${saleId}/purchase`, { userId: "api-1" });
    assertEquals(api.status, 201);
    const form = await formPost(app.url, saleId, { userId: "form-1", quantity: "1" });
    assertMatch(form.html, /Too many requests/);
    const rows = await app.sql`SELECT user_id FROM orders WHERE sale_id = ${saleId}`;
    assertEquals(
      rows.map((r) => r.user_id),
      ["api-1"],
      "the second attempt from one IP is refused",
    );
  } finally {
    await app.close();
  }
});
