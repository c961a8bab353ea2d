import { drawOrder } from "../../lib/line/draw.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { startBridge } from "../helpers/bridge.ts";
import {
  admin,
  type Answer,
  type Attempt,
  attemptOf,
  call,
  countBy,
  createSale,
  pool,
} from "../helpers/client.ts";
import { breaches, NO_BREACHES, waitUntilQuiet } from "../helpers/invariants.ts";
import { buyWith, joinLine, readTicket, solve, waitPast } from "../helpers/line.ts";

/**
 * The waiting room (DESIGN §8, docs/waiting-room.md) against the real Redis and PostgreSQL: the
 * line's order before and after the start, admissions bound to their shopper and sale and used
 * once, expiry and overbook, and the answers of every refusal.
 */

const OPEN = { QUEUE_JOINS_PER_IP: "0" };

async function orderUsers(app: TestApp, saleId: number): Promise<string[]> {
  const rows = await app.sql<{ user_id: string }[]>`
    SELECT user_id FROM orders WHERE sale_id = ${saleId} ORDER BY user_id`;
  return rows.map((r) => r.user_id);
}

async function stats(app: TestApp, saleId: number) {
  return (await call(app.url, "GET", `/api/admin/sales/${saleId}/stats`, undefined, admin)).body;
}

/** Reads every ticket until none waits; buys for each as soon as it is admitted. */
async function buyWhenAdmitted(
  app: TestApp,
  saleId: number,
  joined: { userId: string; ticket: string }[],
): Promise<Map<string, string>> {
  const final = new Map<string, string>();
  const until = Date.now() + 30_000;
  while (final.size < joined.length && Date.now() < until) {
    for (const j of joined) {
      if (final.has(j.userId)) continue;
      const t = await readTicket(app.url, saleId, j.ticket);
      if (t.body.state === "admitted") {
        const bought = await buyWith(app.url, saleId, j.userId, t.body.admission);
        assertEquals(bought.status, 201, JSON.stringify(bought.body));
      } else if (t.body.state !== "waiting") {
        final.set(j.userId, t.body.state);
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return final;
}

Deno.test("FIFO after the start: 100 join one after another for 20 items, the first 20 buy", async () => {
  const app = await startTestApp(OPEN);
  try {
    const saleId = await createSale(app.url, {
      totalStock: 20,
      waitingRoom: { powBits: 4, overbook: 1.0 },
    });
    const joined: { userId: string; ticket: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const userId = `fifo-${String(i).padStart(3, "0")}`;
      const j = await joinLine(app.url, saleId, userId);
      assertEquals(j.status, 201, JSON.stringify(j.body));
      assertEquals(j.body.number, i + 1, "numbers follow arrival");
      joined.push({ userId, ticket: j.body.ticket });
    }
    const final = await buyWhenAdmitted(app, saleId, joined);
    const first20 = joined.slice(0, 20).map((j) => j.userId);
    assertEquals(await orderUsers(app, saleId), first20);
    for (const j of joined.slice(0, 20)) assertEquals(final.get(j.userId), "used");
    for (const j of joined.slice(20)) assertEquals(final.get(j.userId), "sold_out", j.userId);
    // Sold out says how many were ahead in the line.
    const last = await readTicket(app.url, saleId, joined[99]!.ticket);
    assertEquals([last.body.state, last.body.ahead], ["sold_out", 99]);
    // Each purchase used up its admission: none is left outstanding.
    const q = (await stats(app, saleId)).queue;
    assertEquals([q.served, q.used, q.admitted], [20, 20, 0]);
  } finally {
    await app.close();
  }
});

Deno.test("the pre-queue is drawn at the start from a recorded seed; later arrivals come after", async () => {
  const app = await startTestApp(OPEN);
  try {
    const start = Date.now() + 4000;
    const saleId = await createSale(app.url, {
      totalStock: 10,
      startTime: new Date(start).toISOString(),
      waitingRoom: { powBits: 4, overbook: 1.0, prequeueMinutes: 5 },
    });
    const early: { userId: string; ticket: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const userId = `early-${String(i).padStart(2, "0")}`;
      const j = await joinLine(app.url, saleId, userId);
      assertEquals(j.status, 201, JSON.stringify(j.body));
      assertEquals([j.body.state, j.body.number, j.body.position], ["waiting", null, null]);
      early.push({ userId, ticket: j.body.ticket });
    }
    assert(Date.now() < start, "the 40 joined before the start");
    // The same shopper again: the same ticket, 200.
    const again = await joinLine(app.url, saleId, "early-00");
    assertEquals([again.status, again.body.ticket], [200, early[0]!.ticket]);
    const nearby = (await call(app.url, "GET", `/api/sales/${saleId}`)).body;
    assertEquals(nearby.status, "UPCOMING");
    await new Promise((r) => setTimeout(r, Math.max(0, start - Date.now() + 50)));

    const late: { userId: string; ticket: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const j = await joinLine(app.url, saleId, `late-${i}`);
      assertEquals([j.status, j.body.number], [201, 41 + i], "after all 40, in arrival order");
      late.push({ userId: `late-${i}`, ticket: j.body.ticket });
    }
    const final = await buyWhenAdmitted(app, saleId, [...early, ...late]);
    const buyers = await orderUsers(app, saleId);
    assertEquals(buyers.length, 10);
    assert(
      buyers.join() !== early.slice(0, 10).map((e) => e.userId).join(),
      "the buyers are not the first 10 joiners",
    );
    for (const l of late) assertEquals(final.get(l.userId), "sold_out");

    // The draw can be redone from the recorded seed: numbers 1..40 are the seed's order.
    const s = await stats(app, saleId);
    assertEquals([s.queue.prequeued, s.queue.drawn], [40, true]);
    assert(typeof s.queue.seed === "string" && s.queue.seed.length >= 32, "a seed is recorded");
    const expected = drawOrder(s.queue.seed, early.map((e) => e.ticket));
    const numbers = await Promise.all(
      early.map(async (e) => [e.ticket, (await readTicket(app.url, saleId, e.ticket)).body.number]),
    );
    const byNumber = numbers.sort((a, b) => Number(a[1]) - Number(b[1])).map((n) => n[0]);
    assertEquals(byNumber, expected);

    // Admissions went out in the line's order: by number, the admitted read 1, 2, 3… as admittedSeq.
    const views = await Promise.all(
      [...early, ...late].map(async (e) => (await readTicket(app.url, saleId, e.ticket)).body),
    );
    const admittedInOrder = views.filter((v) => v.admittedSeq !== null)
      .sort((a, b) => Number(a.number) - Number(b.number));
    assert(admittedInOrder.length >= 10, JSON.stringify(views));
    assertEquals(admittedInOrder.map((v) => v.admittedSeq), admittedInOrder.map((_, i) => i + 1));
  } finally {
    await app.close();
  }
});

Deno.test("a start moved later after the draw: those who join meanwhile queue behind the drawn line, in arrival order", async () => {
  const app = await startTestApp(OPEN);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  try {
    const start = Date.now() + 3000;
    const saleId = await createSale(app.url, {
      totalStock: 3,
      startTime: new Date(start).toISOString(),
      waitingRoom: { powBits: 4, overbook: 1.0, prequeueMinutes: 5 },
    });
    const joined: { userId: string; ticket: string; number: number | null }[] = [];
    const join = async (userId: string) => {
      const j = await joinLine(app.url, saleId, userId);
      assertEquals(j.status, 201, JSON.stringify(j.body));
      joined.push({ userId, ticket: j.body.ticket, number: j.body.number });
      return j.body;
    };
    await join("early-0");
    await join("early-1");
    const drawnBy = Date.now() + 15_000;
    while (!(await stats(app, saleId)).queue.drawn) {
      assert(Date.now() < drawnBy, "the pre-queue is drawn at the start");
      await sleep(100);
    }

    // The admin moves the start 4 s later; one shopper joins before the new start, one after it.
    const moved = start + 4000;
    const patched = await call(app.url, "PATCH", `/api/admin/sales/${saleId}`, {
      startTime: new Date(moved).toISOString(),
    }, admin);
    assertEquals(patched.status, 200, JSON.stringify(patched.body));
    const meanwhile = await join("moved-0");
    assert(Date.now() < moved, "moved-0 joined before the new start");
    assertEquals(
      meanwhile.number,
      3,
      "behind the two drawn, not in a pre-queue that is never drawn again",
    );
    await sleep(moved - Date.now() + 50);
    assertEquals((await join("late-0")).number, 4);
    for (const j of joined.slice(0, 2)) {
      j.number = (await readTicket(app.url, saleId, j.ticket)).body.number;
    }
    assertEquals(joined.slice(0, 2).map((j) => j.number).sort(), [1, 2], "the drawn two");

    // Served in the line's order: in each round (read from the last place to the first), whatever
    // has left `waiting` is ahead of everything still waiting. Three items for four.
    const byNumber = [...joined].sort((a, b) => b.number! - a.number!);
    const final = new Map<string, string>();
    const doneBy = Date.now() + 30_000;
    while (final.size < joined.length) {
      assert(Date.now() < doneBy, `the line is not done: ${JSON.stringify([...final])}`);
      const round: { number: number; state: string }[] = [];
      for (const j of byNumber) {
        const t = await readTicket(app.url, saleId, j.ticket);
        assertEquals(t.status, 200, JSON.stringify(t.body));
        round.push({ number: j.number!, state: t.body.state });
        if (t.body.state === "admitted") {
          const bought = await buyWith(app.url, saleId, j.userId, t.body.admission);
          assertEquals(bought.status, 201, JSON.stringify(bought.body));
        } else if (t.body.state !== "waiting") {
          final.set(j.userId, t.body.state);
        }
      }
      const firstWaiting = Math.min(
        ...round.filter((r) => r.state === "waiting").map((r) => r.number),
      );
      for (const r of round.filter((r) => r.state !== "waiting")) {
        assert(r.number < firstWaiting, `#${r.number} was served while #${firstWaiting} waited`);
      }
      await sleep(50);
    }
    assertEquals(await orderUsers(app, saleId), ["early-0", "early-1", "moved-0"]);
    assertEquals(final.get("late-0"), "sold_out");
  } finally {
    await app.close();
  }
});

Deno.test("admissions: forged, another shopper's, another sale's, expired and reused ones are refused, across two processes", async () => {
  const a = await startTestApp(OPEN);
  const b = await startTestApp({ ...OPEN, REDIS_KEY_PREFIX: a.prefix }, a.db);
  try {
    const room = { powBits: 4, overbook: 1.0, admissionTtlSeconds: 10 };
    const saleId = await createSale(a.url, { totalStock: 5, waitingRoom: room });
    const otherSale = await createSale(a.url, { totalStock: 5, waitingRoom: room });
    const admitted = async (app: TestApp, sale: number, userId: string) => {
      const j = await joinLine(app.url, sale, userId);
      const t = await waitPast(app.url, sale, j.body.ticket);
      assertEquals(t.body.state, "admitted", JSON.stringify(t.body));
      return t.body as { ticket: string; admission: string; admissionExpiresAt: string };
    };
    const alice = await admitted(a, saleId, "alice");
    const bob = await admitted(b, saleId, "bob");
    const aliceElsewhere = await admitted(b, otherSale, "alice");

    const refused = async (app: TestApp, userId: string, admission: string | undefined) => {
      const r = await buyWith(app.url, saleId, userId, admission);
      return [r.status, r.body.error?.code];
    };
    assertEquals(await refused(b, "alice", undefined), [403, "ADMISSION_REQUIRED"]);
    const flipped = alice.admission.slice(0, -1) + (alice.admission.endsWith("A") ? "B" : "A");
    assertEquals(await refused(b, "alice", flipped), [403, "ADMISSION_INVALID"], "forged");
    assertEquals(await refused(b, "alice", "not-an-admission"), [403, "ADMISSION_INVALID"]);
    // A longer lifetime written into it breaks its signature.
    const [ticket, , mac] = alice.admission.split(".");
    const later = `${ticket}.${Date.now() + 3_600_000}.${mac}`;
    assertEquals(await refused(b, "alice", later), [403, "ADMISSION_INVALID"], "extended");
    assertEquals(await refused(b, "bob", alice.admission), [403, "ADMISSION_INVALID"], "another's");
    assertEquals(
      await refused(a, "alice", aliceElsewhere.admission),
      [403, "ADMISSION_INVALID"],
      "another sale's",
    );
    assertEquals(await orderUsers(a, saleId), [], "no refusal wrote an order");

    // Used on one process, then again on the other at once: one order.
    const [one, two] = await Promise.all([
      buyWith(a.url, saleId, "alice", alice.admission),
      buyWith(b.url, saleId, "alice", alice.admission),
    ]);
    assertEquals([one.status, two.status].sort(), [201, 409]);
    const again = await buyWith(b.url, saleId, "alice", alice.admission);
    assertEquals([again.status, again.body.result], [409, "ALREADY_PURCHASED"]);
    assertEquals((await readTicket(b.url, saleId, alice.ticket)).body.state, "used");
    assertEquals(await orderUsers(a, saleId), ["alice"]);

    // Expired: bob never bought within the 10 s lifetime.
    await new Promise((r) => setTimeout(r, Date.parse(bob.admissionExpiresAt) - Date.now() + 300));
    assertEquals(await refused(a, "bob", bob.admission), [403, "ADMISSION_INVALID"], "expired");
    assertEquals((await readTicket(a.url, saleId, bob.ticket)).body.state, "expired");

    // A reset starts the line again: an admission from before it buys nothing.
    const carol = await admitted(a, saleId, "carol");
    assertEquals(
      (await call(a.url, "POST", `/api/admin/sales/${saleId}/reset`, undefined, admin)).status,
      200,
    );
    assertEquals(await refused(b, "carol", carol.admission), [403, "ADMISSION_INVALID"], "reset");
    assertEquals((await readTicket(a.url, saleId, carol.ticket)).status, 404);
    assertEquals(await orderUsers(a, saleId), []);
  } finally {
    await b.stopServer();
    await a.close();
  }
});

Deno.test("overbook and expiry: admissions stop at remaining × overbook; unused ones expire and the line moves on", async () => {
  const app = await startTestApp(OPEN);
  try {
    const saleId = await createSale(app.url, {
      totalStock: 5,
      waitingRoom: { powBits: 4, overbook: 1.2, admissionTtlSeconds: 10 },
    });
    const tickets: string[] = [];
    for (let i = 0; i < 10; i++) {
      tickets.push((await joinLine(app.url, saleId, `ob-${i}`)).body.ticket);
    }
    await new Promise((r) => setTimeout(r, 500));
    const states = async () =>
      await Promise.all(tickets.map(async (t) => (await readTicket(app.url, saleId, t)).body));
    const first = await states();
    // floor(5 × 1.2) = 6 admitted, the first six; the rest wait in order.
    assertEquals(first.map((t) => t.state), [
      ...Array(6).fill("admitted"),
      ...Array(4).fill("waiting"),
    ]);
    assertEquals(first.slice(6).map((t) => t.position), [1, 2, 3, 4]);
    assertEquals((await stats(app, saleId)).queue.admitted, 6);

    // Nobody buys: after the lifetime the six expire and the next four are admitted.
    await new Promise((r) => setTimeout(r, 10_500));
    const second = await states();
    assertEquals(second.map((t) => t.state), [
      ...Array(6).fill("expired"),
      ...Array(4).fill("admitted"),
    ]);
    const s = await stats(app, saleId);
    assertEquals([s.queue.expired, s.queue.served, s.queue.admitted], [6, 10, 4]);
  } finally {
    await app.close();
  }
});

Deno.test("the line's refusals: no waiting room, not open, wrong proofs, skipping the line, the original route", async () => {
  const app = await startTestApp({ QUEUE_JOINS_PER_IP: "3" });
  try {
    const plain = await createSale(app.url, { totalStock: 5 });
    const soon = await createSale(app.url, {
      totalStock: 5,
      startTime: new Date(Date.now() + 3_600_000).toISOString(),
      endTime: new Date(Date.now() + 7_200_000).toISOString(),
      waitingRoom: { powBits: 4, prequeueMinutes: 10 },
    });
    const saleId = await createSale(app.url, { totalStock: 5, waitingRoom: { powBits: 12 } });
    const code = (r: { status: number; body: { error?: { code: string } } }) => [
      r.status,
      r.body.error?.code,
    ];
    assertEquals(code(await joinLine(app.url, plain, "u1")), [409, "NO_WAITING_ROOM"]);
    assertEquals(code(await joinLine(app.url, soon, "u1")), [403, "QUEUE_NOT_OPEN"]);

    const c = await call(app.url, "POST", `/api/sales/${saleId}/queue/challenge`, { userId: "u2" });
    assertEquals([c.status, c.body.bits], [200, 12]);
    const join = (body: Record<string, unknown>) =>
      call(app.url, "POST", `/api/sales/${saleId}/queue`, body);
    // A nonce that does not solve it (at 12 bits, "x" happens to solve one challenge in 4096).
    const wrong = await join({ userId: "u2", challenge: c.body.challenge, nonce: "x" });
    assertEquals(code(wrong), [400, "PROOF_INVALID"]);
    // The right nonce for another shopper's challenge.
    const nonce = solve(c.body.challenge, 12);
    assertEquals(
      code(await join({ userId: "u3", challenge: c.body.challenge, nonce })),
      [400, "PROOF_INVALID"],
    );
    assertEquals(
      code(await join({ userId: "u2", challenge: c.body.challenge, nonce: "" })),
      [400, "VALIDATION_FAILED"],
    );
    // The third join counts too (and joins); the fourth from one address in a minute: 429.
    const body = { userId: "u2", challenge: c.body.challenge, nonce };
    assertEquals((await join(body)).status, 201);
    const limited = await fetch(`${app.url}/api/sales/${saleId}/queue`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const limitedBody = await limited.json();
    assertEquals([limited.status, limitedBody.error?.code], [429, "RATE_LIMITED"]);
    assert(Number(limited.headers.get("retry-after")) >= 1, "Retry-After in seconds");
    const res = await fetch(`${app.url}/api/sales/${saleId}/queue/challenge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "u4" }),
    });
    await res.body?.cancel();
    assertEquals(res.status, 200, "challenges count apart from joins");

    assertEquals(code(await buyWith(app.url, saleId, "bot", undefined)), [
      403,
      "ADMISSION_REQUIRED",
    ]);
    const original = await call(app.url, "POST", "/purchase", { userId: "bot", saleId });
    assertEquals(
      [original.status, original.body.result, original.body.error?.code],
      [403, "ADMISSION_REQUIRED", "ADMISSION_REQUIRED"],
    );
    assertEquals(code(await readTicket(app.url, saleId, "AAAAAAAAAAAAAAAAAAAAAA")), [
      404,
      "TICKET_NOT_FOUND",
    ]);
    assertEquals(code(await readTicket(app.url, saleId, "short")), [400, "VALIDATION_FAILED"]);
    assertEquals(await orderUsers(app, saleId), []);
  } finally {
    await app.close();
  }
});

Deno.test("I1-I5 under a rush through the line: 300 shoppers and 20 line-skipping bots for 50 items", async () => {
  const app = await startTestApp(OPEN);
  try {
    const saleId = await createSale(app.url, {
      totalStock: 50,
      waitingRoom: { powBits: 4, overbook: 1.5, admissionTtlSeconds: 10 },
    });
    const attempts: Attempt[] = [];
    const record = (userId: string, r: Answer) => attempts.push(attemptOf(userId, r));
    let stop = false;
    const bots = Promise.all(Array.from({ length: 20 }, async (_, i) => {
      while (!stop) record(`bot-${i}`, await buyWith(app.url, saleId, `bot-${i}`, undefined));
    }));
    const finals = await pool(300, 60, async (i) => {
      const userId = `rush-${i}`;
      const j = await joinLine(app.url, saleId, userId);
      assertEquals(j.status, 201);
      for (;;) {
        const t = await waitPast(app.url, saleId, j.body.ticket, 60_000);
        if (t.body.state !== "admitted") return t.body.state as string;
        // Two clicks at once with the same admission: one order at most.
        const both = await Promise.all(
          [0, 1].map(() => buyWith(app.url, saleId, userId, t.body.admission)),
        );
        for (const r of both) record(userId, r);
      }
    });
    stop = true;
    await bots;
    const state = await waitUntilQuiet(app.sql, app.config.REDIS_URL, app.prefix, saleId);
    assertEquals(await breaches(app.sql, state, saleId, attempts), NO_BREACHES);
    assertEquals([state.sold, state.remaining], [50, 0]);
    assertEquals(countBy(finals, (s) => s), { used: 50, sold_out: 250 });
    const users = await orderUsers(app, saleId);
    assertEquals(users.filter((u) => u.startsWith("bot-")), [], "skipping the line wins nothing");
    assert(
      attempts.filter((a) => a.userId.startsWith("bot-")).every((a) =>
        a.result === "ADMISSION_REQUIRED" || a.result === "SOLD_OUT"
      ),
      "bots are told to queue, or that it is sold out",
    );
  } finally {
    await app.close();
  }
});

Deno.test("over the REST adapter: the line, its draw, admissions and purchases work the same", async () => {
  const bridge = await startBridge();
  const app = await startTestApp({ ...OPEN, ...bridge.env });
  try {
    const saleId = await createSale(app.url, {
      totalStock: 5,
      waitingRoom: { powBits: 4, overbook: 1.0 },
    });
    const joined: { userId: string; ticket: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const userId = `rest-${String(i).padStart(2, "0")}`;
      const j = await joinLine(app.url, saleId, userId);
      assertEquals([j.status, j.body.number], [201, i + 1], JSON.stringify(j.body));
      joined.push({ userId, ticket: j.body.ticket });
    }
    const final = await buyWhenAdmitted(app, saleId, joined);
    assertEquals(await orderUsers(app, saleId), joined.slice(0, 5).map((j) => j.userId));
    assertEquals(countBy([...final.values()], (s) => s), { used: 5, sold_out: 7 });
    assertEquals(
      (await buyWith(app.url, saleId, "rest-99", undefined)).body.error?.code,
      "ADMISSION_REQUIRED",
    );
  } finally {
    await app.close();
    await bridge.close();
  }
});
