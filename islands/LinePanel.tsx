/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import { requestJson, type SaleData } from "./parts/api.ts";
import { useServerNow } from "./parts/clock.ts";
import { statusAt } from "./parts/format.ts";
import { useLiveSale } from "./parts/live.ts";
import {
  forgetLineTicket,
  lastUserId,
  lineTicket,
  rememberLineTicket,
  rememberUserId,
} from "./parts/remembered.ts";
import {
  orderResult,
  PURCHASE_UNREACHABLE,
  purchaseResult,
  type ResultView,
} from "./parts/result.ts";
import { PanelTop } from "./parts/PanelTop.tsx";
import { ResultBox } from "./parts/ResultBox.tsx";
import { cancelHold, useHoldEnd } from "./parts/hold.ts";
import { askChallenge, joinLine, readTicket, type TicketView } from "./line/api.ts";
import { expiredView, lineRefusal, LOST, OFFLINE, soldOutView } from "./line/messages.ts";
import { prove } from "./line/prove.ts";
import { JoinForm } from "./line/JoinForm.tsx";
import { PlaceInLine } from "./line/PlaceInLine.tsx";
import { ProofProgress } from "./line/ProofProgress.tsx";
import { YourTurn } from "./line/YourTurn.tsx";
import type { LineProgress, WaitingRoom } from "../lib/domain/sale.ts";

export interface LinePanelProps {
  sale: SaleData & { waitingRoom: WaitingRoom };
  /** The signed-in shopper's User ID, or "" (the page then fills in the last one typed). */
  userId: string;
  /** The proof-of-work worker's URL (a hashed build output). */
  powWorker: string;
  /** A checkout sale's Pay: the shop's checkout, `{orderId}` standing for the order's id. */
  checkoutUrl: string;
}

/** Where the shopper is: the join form, the proof under way, a request, a ticket, or a lost one. */
type Step =
  | { kind: "join" }
  | { kind: "proving"; tried: number; bits: number }
  | { kind: "busy"; label: string }
  | { kind: "ticket"; ticket: TicketView; servedAtRead: number | null; drawnAtRead: boolean }
  | { kind: "lost" };

/** Reads every waiting page makes at once (the draw, a lost line), spread over this. */
const SPREAD_MS = 2000;
/** An admission is read again this long past its end, when the server has expired it. */
const EXPIRY_GRACE_MS = 500;
/** A read again when the ticket names no time (it only does while waiting). */
const RETRY_MS = 2000;

const JOIN_FAILED: ResultView = {
  tone: "danger",
  title: "Could not join the line",
  detail: "Check your connection and try again.",
};

/**
 * The sale page of a sale with a waiting room (docs/waiting-room.md): join the line (a proof of
 * work in a Web Worker), wait with the place in line live from the sale's event stream, then buy
 * with the admission before it runs out. The ticket is kept per sale and shopper, so a reload
 * resumes. The server renders only a notice that this needs JavaScript, which hydration replaces.
 */
export default function LinePanel(props: LinePanelProps) {
  const room = props.sale.waitingRoom;
  const [sale, setSale] = useState<SaleData>(props.sale);
  const [remaining, setRemaining] = useState(props.sale.remainingStock);
  const [line, setLine] = useState<LineProgress | null>(null);
  const [mounted, setMounted] = useState(false);
  const [zone, setZone] = useState<string | undefined>("UTC");
  const [userId, setUserId] = useState(props.userId);
  const [quantity, setQuantity] = useState(1);
  const [step, setStep] = useState<Step>({ kind: "join" });
  /** A refusal or failure of the line; cleared by the next ticket read. */
  const [notice, setNotice] = useState<ResultView | null>(null);
  /** The purchase's answer, or the order of a ticket already used. */
  const [result, setResult] = useState<ResultView | null>(null);
  const [buying, setBuying] = useState(false);
  const now = useServerNow(props.sale.serverTime, `/api/sales/${sale.id}`);
  const status = statusAt(now, sale.startTime, sale.endTime);
  const latest = useRef({ line, now });
  latest.current = { line, now };
  /** The shopper the ticket being followed belongs to. */
  const shopper = useRef("");
  const stopProof = useRef<(() => void) | null>(null);

  const streaming = useLiveSale(sale, {
    update: (u) => {
      setRemaining(u.remainingStock);
      if (u.line) setLine(u.line);
    },
    sale: setSale,
  });

  const read = async (ticketId: string) => {
    const id = shopper.current;
    try {
      const r = await readTicket(sale.id, ticketId);
      if (shopper.current !== id) return;
      if (r.status === 200) {
        const seen = latest.current.line;
        setNotice(null);
        setStep({
          kind: "ticket",
          ticket: r.body as TicketView,
          servedAtRead: seen?.served ?? null,
          drawnAtRead: seen?.drawn ?? false,
        });
        return;
      }
      // Not held by the line (Redis lost it, or a reset), or not a ticket at all: join again.
      if (r.body.error?.code === "TICKET_NOT_FOUND" || r.status === 400) {
        forgetLineTicket(sale.id, id);
        setStep({ kind: "lost" });
        return;
      }
      setNotice(lineRefusal(r.status, r.body));
    } catch {
      setNotice(OFFLINE);
    }
    // A failed read: a ticket being followed is read again later (a new step object re-arms
    // the schedule below); a resume that failed goes back to the form.
    setStep((s) => s.kind === "ticket" ? { ...s } : { kind: "join" });
  };

  useEffect(() => {
    setMounted(true);
    setZone(undefined); // the browser's zone, once hydrated
    const id = props.userId || lastUserId();
    setUserId(id);
    const kept = id ? lineTicket(sale.id, id) : null;
    if (kept) {
      shopper.current = id;
      setStep({ kind: "busy", label: "Finding your place in line…" });
      void read(kept);
    }
    return () => stopProof.current?.();
  }, []);

  const join = async (e: SubmitEvent) => {
    e.preventDefault();
    const id = userId.trim();
    if (!id) {
      setNotice({ tone: "warning", title: "Please check the form", detail: "Enter your User ID." });
      return;
    }
    rememberUserId(id);
    shopper.current = id;
    setNotice(null);
    setResult(null);
    const kept = lineTicket(sale.id, id);
    if (kept) {
      setStep({ kind: "busy", label: "Finding your place in line…" });
      await read(kept);
      return;
    }
    setStep({ kind: "busy", label: "Getting your place in line…" });
    try {
      const c = await askChallenge(sale.id, id);
      const { challenge, bits } = c.body;
      if (c.status !== 200 || challenge === undefined || bits === undefined) {
        setNotice(lineRefusal(c.status, c.body));
        setStep({ kind: "join" });
        return;
      }
      setStep({ kind: "proving", tried: 0, bits });
      const job = prove(props.powWorker, { challenge, bits }, (tried) => {
        setStep({ kind: "proving", tried, bits });
      });
      stopProof.current = job.cancel;
      const nonce = await job.nonce;
      stopProof.current = null;
      setStep({ kind: "busy", label: "Joining the line…" });
      const joined = await joinLine(sale.id, { userId: id, challenge, nonce });
      if ((joined.status !== 200 && joined.status !== 201) || !joined.body.ticket) {
        setNotice(lineRefusal(joined.status, joined.body));
        setStep({ kind: "join" });
        return;
      }
      rememberLineTicket(sale.id, id, joined.body.ticket);
      await read(joined.body.ticket);
    } catch {
      setNotice(JOIN_FAILED);
      setStep({ kind: "join" });
    }
  };

  const ticket = step.kind === "ticket" ? step.ticket : null;
  const served = line?.served ?? null;
  /** The line has served this ticket's number: it may be admitted now. */
  const reached = ticket?.state === "waiting" && ticket.number !== null && served !== null &&
    served >= ticket.number;
  /** The early joiners' order has been drawn: this ticket has a number now. */
  const drawn = ticket?.state === "waiting" && ticket.number === null && line?.drawn === true;
  /** The line went back (Redis lost it, or an admin's reset): this ticket may be gone. */
  const restarted = step.kind === "ticket" && step.servedAtRead !== null && served !== null &&
    served < step.servedAtRead;

  // When to read the ticket again: the stream says what changed for everyone, so a page reads
  // its own ticket only when that concerns it, or slowly while the stream is down.
  useEffect(() => {
    if (step.kind !== "ticket") return;
    const t = step.ticket;
    const again = t.retryAfterMs ?? RETRY_MS;
    let delay: number | null = null;
    if (t.state === "waiting") {
      if (reached) {
        const readSince = step.servedAtRead !== null && step.servedAtRead >= (t.number ?? 0);
        delay = readSince ? again : 0;
      } else if (drawn) delay = step.drawnAtRead ? again : Math.random() * SPREAD_MS;
      else if (restarted) delay = Math.random() * SPREAD_MS;
      else if (!streaming) delay = again;
    } else if (t.state === "admitted" && t.admissionExpiresAt) {
      const left = Date.parse(t.admissionExpiresAt) - latest.current.now;
      delay = left > 0 ? left + EXPIRY_GRACE_MS : again;
    }
    if (delay === null) return;
    const timer = setTimeout(() => void read(t.ticket), delay);
    return () => clearTimeout(timer);
  }, [step, reached, drawn, restarted, streaming]);

  // A ticket already used (a reload after buying): show the order it bought.
  const used = ticket?.state === "used";
  useEffect(() => {
    if (!used || result) return;
    const id = shopper.current;
    requestJson<Parameters<typeof orderResult>[2]>(
      `/api/sales/${sale.id}/orders/${encodeURIComponent(id)}`,
    ).then((r) => setResult(orderResult(r.status, id, r.body))).catch(() => setNotice(OFFLINE));
  }, [used]);

  const buy = async () => {
    if (step.kind !== "ticket" || !step.ticket.admission) return;
    const t = step.ticket;
    setBuying(true);
    setNotice(null);
    try {
      const r = await requestJson<Parameters<typeof purchaseResult>[1]>(
        `/api/sales/${sale.id}/purchase`,
        { method: "POST", body: { userId: shopper.current, quantity, admission: t.admission } },
      );
      if (typeof r.body.remainingStock === "number") setRemaining(r.body.remainingStock);
      if (r.body.order) {
        setResult(purchaseResult(r.status, r.body));
        setStep({ ...step, ticket: { ...t, state: "used" } });
      } else if (r.body.error?.code?.startsWith("ADMISSION_")) {
        // Expired or used meanwhile: the ticket says which.
        await read(t.ticket);
      } else {
        setResult(purchaseResult(r.status, r.body));
      }
    } catch {
      setNotice(PURCHASE_UNREACHABLE);
    } finally {
      setBuying(false);
    }
  };

  useHoldEnd(sale.id, result, now, setResult);

  const cancel = async (e: SubmitEvent) => {
    e.preventDefault();
    const order = result?.order;
    if (!order) return;
    setBuying(true);
    try {
      setResult(await cancelHold(sale.id, order.userId));
    } catch {
      setNotice(OFFLINE);
    } finally {
      setBuying(false);
    }
  };

  /**
   * After a hold ended unpaid: the admission it took is used, so a new try joins the line anew,
   * at its back (DESIGN §9).
   */
  const joinAgain = (e: SubmitEvent) => {
    e.preventDefault();
    forgetLineTicket(sale.id, shopper.current);
    setResult(null);
    setNotice(null);
    setStep({ kind: "join" });
  };

  const soldOut = remaining === 0;
  const live = ticket?.state === "waiting" || ticket?.state === "admitted";
  const outcome = step.kind === "lost"
    ? LOST
    : ticket?.state === "sold_out" || (live && soldOut)
    ? soldOutView(
      ticket?.state === "sold_out"
        ? ticket.ahead
        : ticket?.number != null
        ? ticket.number - 1
        : null,
    )
    : ticket?.state === "expired"
    ? expiredView(room.admissionTtlSeconds)
    : null;
  const opensAt = Date.parse(sale.startTime) - room.prequeueMinutes * 60_000;

  const body = () => {
    switch (step.kind) {
      case "join":
      case "lost":
        if (status === "ENDED" || soldOut) return null;
        return (
          <JoinForm
            again={step.kind === "lost"}
            opensAtMs={opensAt}
            nowMs={now}
            upcoming={status === "UPCOMING"}
            prequeueMinutes={room.prequeueMinutes}
            zone={zone}
            userId={userId}
            onUserId={setUserId}
            onSubmit={join}
          />
        );
      case "proving":
        return <ProofProgress tried={step.tried} bits={step.bits} />;
      case "busy":
        return <p class="line-step-title" aria-busy="true">{step.label}</p>;
      case "ticket":
        if (!live || soldOut) return null;
        return (
          <>
            <p class="line-who">
              In line as <strong>{shopper.current}</strong>
            </p>
            {step.ticket.state === "waiting"
              ? (
                <PlaceInLine
                  ticket={step.ticket}
                  served={served}
                  startTime={sale.startTime}
                  zone={zone}
                />
              )
              : (
                <YourTurn
                  ticket={step.ticket}
                  nowMs={now}
                  ttlSeconds={room.admissionTtlSeconds}
                  perUserLimit={sale.perUserLimit}
                  quantity={quantity}
                  onQuantity={setQuantity}
                  buying={buying}
                  onBuy={buy}
                  holdSeconds={sale.checkout?.holdSeconds ?? null}
                />
              )}
          </>
        );
    }
  };

  return (
    <div class="panel">
      <PanelTop sale={sale} status={status} nowMs={now} zone={zone} remaining={remaining} />

      <section class="line" aria-label="Waiting room" data-testid="line">
        {mounted ? body() : (
          <p class="notice notice-warning" data-testid="needs-js">
            This sale has a waiting room, and joining its line needs JavaScript: turn it on in your
            browser and reload this page.
          </p>
        )}
      </section>

      <ResultBox
        result={result ?? notice ?? outcome}
        hold={{
          nowMs: now,
          zone,
          checkoutUrl: props.checkoutUrl,
          formAction: `/sales/${sale.id}`,
          busy: buying,
          retryLabel: "Join the line again",
          onCancel: cancel,
          onRetry: joinAgain,
        }}
      />
    </div>
  );
}
