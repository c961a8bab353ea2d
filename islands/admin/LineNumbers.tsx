import { numberFormat } from "../parts/format.ts";
import type { LineStats } from "../../lib/line/line.ts";
import { CountTiles, MOMENT } from "./CountTiles.tsx";

/** The waiting room's line of the watched sale, and the shuffle drawn at its start. */
export function LineNumbers(props: { line: LineStats }) {
  const { line } = props;
  const counts: [label: string, n: number, id: string][] = [
    ["Waiting", line.waiting, "line-waiting"],
    ["Admitted now", line.admitted, "line-admitted"],
    ["Served", line.served, "line-served"],
    ["Used", line.used, "line-used"],
    ["Expired", line.expired, "line-expired"],
  ];
  return (
    <section class="line" aria-labelledby="line-title" data-testid="live-line">
      <h3 id="line-title">Waiting room</h3>
      <CountTiles counts={counts} />
      <p class="draw" data-testid="line-draw">
        {line.drawnAt !== null && line.seed !== null
          ? (
            <>
              {numberFormat.format(line.prequeued ?? 0)} joined before the start; shuffled at{" "}
              <time dateTime={line.drawnAt}>{MOMENT.format(new Date(line.drawnAt))}</time> with seed
              {" "}
              <code>{line.seed}</code>.
            </>
          )
          : "Those who join before the start are shuffled when it starts."}
      </p>
    </section>
  );
}
