import { numberFormat } from "../parts/format.ts";

/**
 * The proof of work under way: tries made against the 2^bits expected. A try count past the
 * expectation is luck, not an error, so the bar stops short of full until the answer is found.
 */
export function ProofProgress(props: { tried: number; bits: number }) {
  const expected = 2 ** props.bits;
  const share = Math.min(props.tried / expected, 0.95);
  return (
    <div class="line-step" data-testid="proof">
      <strong class="line-step-title">Getting your place in line…</strong>
      <p class="panel-note">
        Your browser is solving a small puzzle that keeps bots from crowding the line:{" "}
        <span class="mono" data-testid="proof-tries">
          {numberFormat.format(props.tried)} of about {numberFormat.format(expected)}
        </span>{" "}
        tries.
      </p>
      <div
        class="meter"
        role="progressbar"
        aria-label="Puzzle progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
      >
        <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}
