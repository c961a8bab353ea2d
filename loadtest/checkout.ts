/**
 * The `checkout` scenario: a sale with checkout holds (DESIGN §9, docs/design.md) under a rush whose
 * winners then pay through the signed webhook, abandon their hold, cancel it, or pay too late; and
 * later shoppers who keep trying once it is sold out, so the stock that comes back from expired and
 * cancelled holds sells again. It measures what became of the holds and how soon returned stock
 * sold again; checkout_figures.ts holds the figures and the checks.
 */
import { signPayment } from "../lib/checkout/signature.ts";
import { type Answer, isError, outcomeOf, pool, send, sleep } from "./driver.ts";
import { checkoutStats, type Fate, figures, type Hold } from "./checkout_figures.ts";
import type { Scenario } from "./scenarios.ts";
import { Recorder } from "./stats.ts";

/** A later shopper's pause between two purchases. */
const LATER_PAUSE_MS = 50;
/** Late payers pay this long after their hold's deadline. */
const LATE_BY_MS = 1000;
/** Every this many payers send their payment event a second time, as a provider may. */
const REDELIVER_EVERY = 3;
/** How long after the last deadline of the rush the later shoppers give up on the stock selling. */
const GIVE_UP_MS = 30_000;

/**
 * Fates in the given shares, spread evenly over the winners in the order they won (the golden
 * ratio's sequence), so that even a small run has each kind.
 */
function fateOf(i: number, abandon: number, cancel: number): Fate {
  const u = (i * 0.6180339887498949) % 1;
  return u < abandon ? "abandon" : u < abandon + cancel ? "cancel" : "pay";
}

/** What an answer told of the order: its status on a 200, else the code. */
function toldOf(answer: Answer): string {
  const order = answer.body?.order as { status?: unknown } | undefined;
  if (answer.status === 200 && typeof order?.status === "string") return order.status;
  return outcomeOf(answer);
}

/**
 * `shoppers` shoppers buy once each, `concurrency` at a time; each winner pays, abandons, cancels
 * or pays late. Once the rush is over, `later` clients buy as a new shopper every 50 ms each, and
 * pay at once when they win, until the stock is all sold and paid after the rush's last hold ended
 * (or 30 s after that, when it does not sell).
 */
export const checkout: Scenario = async (driver, o) => {
  const c = o.checkout;
  if (!c) throw new Error("the checkout scenario needs its settings");
  driver.measure();
  const requests = new Recorder(performance.now());
  const holds: Hold[] = [];
  const settling: Promise<void>[] = [];
  const successes: number[] = [];
  let payers = 0;

  const record = (step: string, sentAt: number, answer: Answer) => {
    const outcome = `${step} ${toldOf(answer)}`;
    requests.record(sentAt, performance.now() - sentAt, outcome, isError(answer.status));
  };
  const pay = async (h: Hold, step: string): Promise<string> => {
    const body = JSON.stringify({ id: h.eventId, type: "payment.succeeded", orderId: h.orderId });
    const sentAt = performance.now();
    const answer = await send(`${driver.base}/api/payments/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "payment-signature": await signPayment(c.secret, body),
      },
      body,
    });
    record(step, sentAt, answer);
    return toldOf(answer);
  };
  const cancel = async (h: Hold): Promise<string> => {
    const sentAt = performance.now();
    const answer = await send(
      `${driver.base}/api/sales/${driver.saleId}/orders/${encodeURIComponent(h.userId)}/cancel`,
      { method: "POST" },
    );
    record("cancel", sentAt, answer);
    return toldOf(answer);
  };
  /** Within the hold: a random moment in its first half. */
  const withinHold = () => sleep(Math.random() * c.holdSeconds * 500);

  const act = async (h: Hold): Promise<void> => {
    switch (h.fate) {
      case "abandon":
        return;
      case "cancel":
        await withinHold();
        h.sentAt = Date.now();
        h.told = await cancel(h);
        return;
      case "late":
        await sleep(h.deadline + LATE_BY_MS - Date.now());
        h.sentAt = Date.now();
        h.told = await pay(h, "late pay");
        return;
      case "pay":
        if (!h.later) await withinHold();
        h.sentAt = Date.now();
        h.told = await pay(h, "pay");
        if (++payers % REDELIVER_EVERY === 0) h.redelivery = await pay(h, "pay again");
    }
  };

  let won = 0;
  const buy = async (later: boolean): Promise<void> => {
    const a = await driver.purchase(driver.newShopper());
    if ((a.result !== "SUCCESS" && a.result !== "PENDING") || !a.orderId) return;
    const wonAt = Date.now();
    if (a.result === "SUCCESS") successes.push(wonAt);
    const i = won++;
    // A pending order (PostgreSQL away) has no deadline yet: it is left to expire.
    const fate: Fate = a.holdExpiresAt === undefined
      ? "abandon"
      : later
      ? "pay"
      : i < c.late
      ? "late"
      : fateOf(i - c.late, c.abandon, c.cancel);
    const h: Hold = {
      userId: a.userId,
      orderId: a.orderId,
      fate,
      later,
      wonAt,
      deadline: a.holdExpiresAt ?? wonAt + c.holdSeconds * 1000,
      eventId: fate === "pay" || fate === "late" ? `evt-${a.orderId}` : null,
      sentAt: null,
      told: null,
      redelivery: null,
    };
    holds.push(h);
    const acting = act(h);
    settling.push(acting);
    if (later) await acting;
  };

  await pool(o.shoppers, o.concurrency, () => buy(false));
  const rush = [...settling];
  const lastDeadline = Math.max(Date.now(), ...holds.map((h) => h.deadline));
  let rushSettled = false;
  void Promise.all(rush).then(() => rushSettled = true);

  let done = false;
  const later = Array.from({ length: c.later }, async () => {
    while (!done) {
      await buy(true);
      await sleep(LATER_PAUSE_MS);
    }
  });
  const clock = performance.now();
  while (!done) {
    await sleep(1000);
    const [sale, s] = await Promise.all([
      c.admin.stats(driver.saleId),
      checkoutStats(c.admin, driver.saleId),
    ]).catch(() => [null, null]);
    if (!sale || !s?.holds) continue;
    console.error(
      `[checkout ${
        ((performance.now() - clock) / 1000).toFixed(0)
      }s] held ${s.holds.held}, paid ${s.holds.paid}, expired ${s.holds.expired}, cancelled ${s.holds.cancelled}, late payments ${s.latePayments.length}, remaining ${sale.remaining}`,
    );
    const allSold = sale.sold === sale.total && s.holds.held === 0;
    const now = Date.now();
    done = (rushSettled && now > lastDeadline && allSold) || now > lastDeadline + GIVE_UP_MS;
  }
  await Promise.all([...later, ...settling]);

  const report = figures(c.holdSeconds, holds, successes, requests.summary());
  return { checks: [], notes: {}, checkout: { report, holds } };
};
