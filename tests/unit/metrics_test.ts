import { Histogram } from "../../lib/infra/metrics.ts";
import { assertEquals } from "../helpers/assert.ts";

const BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

Deno.test("Histogram: each value lands in the first bucket whose bound it does not exceed", () => {
  const cases: [number, number][] = [
    [0, 0],
    [0.5, 0],
    [1, 0],
    [1.0001, 1],
    [2, 1],
    [4.9, 2],
    [5, 2],
    [10, 3],
    [99.9, 6],
    [1000, 9],
    [2500, 10],
    [5000, 11],
  ];
  for (const [ms, index] of cases) {
    const h = new Histogram();
    h.observe(ms);
    const expected = BUCKETS.map((_, i) => (i === index ? 1 : 0));
    assertEquals(h.counts, expected, `${ms} ms`);
    assertEquals([h.count, h.sum], [1, ms]);
  }
});

Deno.test("Histogram: values above the last bound count only in +Inf", () => {
  const h = new Histogram();
  h.observe(5000.1);
  h.observe(60_000);
  assertEquals(h.counts, BUCKETS.map(() => 0));
  assertEquals(h.count, 2);
  const series = h.series("x");
  assertEquals(series.at(-3), ['x_bucket{le="+Inf"}', 2]);
  assertEquals(series.at(-4), ['x_bucket{le="5"}', 0]);
});

Deno.test("Histogram.series: cumulative buckets in seconds, sum in seconds, count", () => {
  const h = new Histogram();
  for (const ms of [1, 1, 3, 7, 400, 9000]) h.observe(ms);
  assertEquals(h.series("lat").map(([s, n]) => `${s} ${n}`), [
    'lat_bucket{le="0.001"} 2',
    'lat_bucket{le="0.002"} 2',
    'lat_bucket{le="0.005"} 3',
    'lat_bucket{le="0.01"} 4',
    'lat_bucket{le="0.025"} 4',
    'lat_bucket{le="0.05"} 4',
    'lat_bucket{le="0.1"} 4',
    'lat_bucket{le="0.25"} 4',
    'lat_bucket{le="0.5"} 5',
    'lat_bucket{le="1"} 5',
    'lat_bucket{le="2.5"} 5',
    'lat_bucket{le="5"} 5',
    'lat_bucket{le="+Inf"} 6',
    "lat_sum 9.412",
    "lat_count 6",
  ]);
});
