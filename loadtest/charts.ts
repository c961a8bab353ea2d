/**
 * The report's charts: inline SVG drawn from numbers, each under its heading and legend, with no
 * script and no external asset, so the page stays one file that opens from disk. The page's
 * stylesheet (loadtest/report.ts) sets the charts' font and the legend's swatches.
 */
import type { Slice, Summary } from "./stats.ts";

/** Text for HTML, in an element or an attribute. */
export const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** Line colours, in the order charts take them. */
export const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
];
/** Outcomes keep one colour each across charts; the usual ones get the obvious colours. */
const OUTCOME_COLOURS: Record<string, string> = {
  SUCCESS: "#16a34a",
  PENDING: "#84cc16",
  SOLD_OUT: "#94a3b8",
  ALREADY_PURCHASED: "#d97706",
  HTTP_200: "#2563eb",
  NETWORK_ERROR: "#dc2626",
};

function colourOf(name: string, i: number): string {
  return OUTCOME_COLOURS[name] ?? PALETTE[i % PALETTE.length]!;
}

/** One line of a chart: its legend entry and a value per point. */
export interface Line {
  name: string;
  colour: string;
  values: number[];
}

const W = 720;
const H = 240;
const PAD = { left: 56, right: 16, top: 16, bottom: 32 };

/** A round number at least `value`: 1, 2 or 5 times a power of ten. */
function nice(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value)!;
}

const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** Grid, y labels up to `max`, and time ticks over `seconds`. */
function axes(max: number, seconds: number, unit: string): string {
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + PLOT_H - (PLOT_H * i) / 4;
    const label = (max * i) / 4;
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`,
      `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${
        label >= 100 ? label.toFixed(0) : Number(label.toPrecision(3))
      }</text>`,
    );
  }
  const step = nice(seconds / 8);
  for (let t = 0; t <= seconds + 1e-9; t += step) {
    const x = PAD.left + (PLOT_W * t) / seconds;
    parts.push(
      `<text x="${x.toFixed(1)}" y="${H - 10}" text-anchor="middle">${
        Number(t.toPrecision(4))
      }s</text>`,
    );
  }
  const mid = PAD.top + PLOT_H / 2;
  parts.push(
    `<text x="12" y="${mid}" transform="rotate(-90 12 ${mid})" text-anchor="middle">${
      escape(unit)
    }</text>`,
  );
  return parts.join("");
}

function legend(lines: { name: string; colour: string }[]): string {
  return `<p class="legend">${
    lines.map((l) => `<span><i style="background:${l.colour}"></i>${escape(l.name)}</span>`)
      .join("")
  }</p>`;
}

const svg = (height: number, body: string) =>
  `<svg viewBox="0 0 ${W} ${height}" role="img">${body}</svg>`;

/** A vertical line at `t` seconds, labelled. */
export interface Mark {
  t: number;
  label: string;
}

/** Lines over `seconds` of the run, each value at the time of the same index in `times`. */
export function lineChart(
  title: string,
  unit: string,
  seconds: number,
  times: number[],
  lines: Line[],
  marks: Mark[] = [],
): string {
  const max = nice(Math.max(0, ...lines.flatMap((l) => l.values)));
  const x = (t: number) => PAD.left + (PLOT_W * t) / seconds;
  const y = (v: number) => PAD.top + PLOT_H - (PLOT_H * v) / max;
  const paths = lines.map((l) => {
    const points = l.values.map((v, i) => `${x(times[i]!).toFixed(1)},${y(v).toFixed(1)}`)
      .join(" ");
    return `<polyline fill="none" stroke="${l.colour}" stroke-width="2" points="${points}"/>`;
  });
  const rules = marks.map((m) =>
    `<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${PAD.top}" y2="${
      PAD.top + PLOT_H
    }" stroke="#6b7280" stroke-dasharray="4 3"/><text x="${(x(m.t) + 4).toFixed(1)}" y="${
      PAD.top + 10
    }">${escape(m.label)}</text>`
  );
  return `<h2>${escape(title)}</h2>${legend(lines)}${
    svg(H, axes(max, seconds, unit) + paths.join("") + rules.join(""))
  }`;
}

/** A chart over a summary's slices, a point at each slice's middle. */
export function sliceChart(title: string, unit: string, series: Slice[], lines: Line[]): string {
  const width = series[0]?.width ?? 1;
  const times = series.map((b) => b.t + b.width / 2);
  return lineChart(title, unit, Math.max(1, series.length) * width, times, lines);
}

/** The whole run's outcome mix as one bar, then answers per second stacked by outcome. */
export function outcomeCharts(s: Summary): string {
  const names = Object.keys(s.outcomes);
  const width = s.series[0]?.width ?? 1;
  const seconds = Math.max(1, s.series.length) * width;
  const max = nice(Math.max(0, ...s.series.map((b) => b.rate)));
  const barW = (PLOT_W * width) / seconds;
  const bars = s.series.flatMap((slice, j) => {
    let below = 0;
    return names.map((name, i) => {
      const rate = (slice.outcomes[name] ?? 0) / width;
      const h = (PLOT_H * rate) / max;
      const y = PAD.top + PLOT_H - (PLOT_H * below) / max - h;
      below += rate;
      return rate === 0
        ? ""
        : `<rect x="${(PAD.left + barW * j).toFixed(1)}" y="${y.toFixed(1)}" width="${
          Math.max(0.5, barW - 1).toFixed(1)
        }" height="${h.toFixed(1)}" fill="${colourOf(name, i)}"><title>${
          Number(slice.t.toPrecision(4))
        }s ${escape(name)}: ${slice.outcomes[name]}</title></rect>`;
    });
  });
  const total = Math.max(1, s.requests);
  let offset = 0;
  const mix = names.map((name, i) => {
    const w = (W * (s.outcomes[name] ?? 0)) / total;
    const rect = `<rect x="${offset.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="28" fill="${
      colourOf(name, i)
    }"><title>${escape(name)}: ${s.outcomes[name]}</title></rect>`;
    offset += w;
    return rect;
  });
  const entries = names.map((name, i) => ({
    name: `${name} ${s.outcomes[name]} (${(100 * (s.outcomes[name] ?? 0) / total).toFixed(1)}%)`,
    colour: colourOf(name, i),
  }));
  return `<h2>Outcome mix</h2>${legend(entries)}${svg(28, mix.join(""))}` +
    `<h2>Outcomes over time</h2>${svg(H, axes(max, seconds, "answers/s") + bars.join(""))}`;
}
