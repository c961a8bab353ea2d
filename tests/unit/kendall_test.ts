import { assertEquals } from "../helpers/assert.ts";
import { kendallTau, rankTau } from "../../loadtest/kendall.ts";

Deno.test("kendall: the same order is 1, the reversed order -1", () => {
  assertEquals(rankTau([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), {
    tau: 1,
    concordant: 10,
    discordant: 0,
    tied: 0,
  });
  assertEquals(rankTau([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]).tau, -1);
});

Deno.test("kendall: one swapped neighbour pair out of six pairs is (5 - 1) / 6", () => {
  assertEquals(rankTau([1, 2, 3, 4], [1, 3, 2, 4]), {
    tau: 4 / 6,
    concordant: 5,
    discordant: 1,
    tied: 0,
  });
});

Deno.test("kendall: a pair tied in either order is left out, not counted against", () => {
  // Items 0 and 1 tie in the second order (admitted together): the other five pairs agree.
  assertEquals(rankTau([1, 2, 3, 4], [1, 1, 2, 3]), {
    tau: 1,
    concordant: 5,
    discordant: 0,
    tied: 1,
  });
  // Ties in the first order too, and one discordant pair among the rest.
  assertEquals(rankTau([1, 1, 2, 3], [2, 1, 4, 3]), {
    tau: 3 / 5,
    concordant: 4,
    discordant: 1,
    tied: 1,
  });
  // Everything tied: nothing to say.
  assertEquals(rankTau([1, 1, 1], [1, 2, 3]).tau, null);
  assertEquals(rankTau([], []).tau, null);
});

Deno.test("kendall: orders given by comparisons, where a tie need not be transitive", () => {
  // Overlapping intervals are tied (their order is unknown); disjoint ones are ordered.
  const intervals = [[0, 5], [3, 8], [6, 9]] as const;
  const byInterval = (i: number, j: number) =>
    intervals[i]![1] < intervals[j]![0] ? -1 : intervals[j]![1] < intervals[i]![0] ? 1 : 0;
  // 0~1 and 1~2 overlap (tied); 0 came before 2, but ranks 3, 1, 2 put 2 first.
  assertEquals(kendallTau(3, byInterval, (i, j) => [3, 1, 2][i]! - [3, 1, 2][j]!), {
    tau: -1,
    concordant: 0,
    discordant: 1,
    tied: 2,
  });
  assertEquals(kendallTau(3, byInterval, (i, j) => i - j).tau, 1);
});
