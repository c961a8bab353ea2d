/**
 * Kendall's rank correlation between two orders of the same items: +1 when every pair of items
 * comes in the same order in both, -1 when every pair is reversed, about 0 when one order tells
 * nothing of the other.
 *
 * Ties are excluded: a pair tied in either order counts neither way, so
 * tau = (concordant − discordant) / (concordant + discordant) over the pairs ordered in both
 * (without ties this is Kendall's tau-a; with them, Goodman and Kruskal's gamma). So "1" reads
 * "no pair was ever put in the wrong order", whatever the ties. O(n²): fine for thousands.
 */
export interface Concordance {
  /** Null when no pair is ordered in both. */
  tau: number | null;
  concordant: number;
  discordant: number;
  /** Pairs tied in either order, left out. */
  tied: number;
}

/**
 * The items are 0..n-1; each order is a comparison of items i and j: negative when i comes
 * first, positive when j does, 0 when neither (a tie). The comparisons need not come from
 * ranks: a pair may be tied in an order that still orders each of its items against others.
 */
export function kendallTau(
  n: number,
  first: (i: number, j: number) => number,
  second: (i: number, j: number) => number,
): Concordance {
  let concordant = 0;
  let discordant = 0;
  let tied = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const product = Math.sign(first(i, j)) * Math.sign(second(i, j));
      if (product > 0) concordant++;
      else if (product < 0) discordant++;
      else tied++;
    }
  }
  const ordered = concordant + discordant;
  return {
    tau: ordered === 0 ? null : (concordant - discordant) / ordered,
    concordant,
    discordant,
    tied,
  };
}

/** Kendall's tau of two rankings given as numbers, item by item (equal numbers: a tie). */
export function rankTau(x: readonly number[], y: readonly number[]): Concordance {
  return kendallTau(x.length, (i, j) => x[i]! - x[j]!, (i, j) => y[i]! - y[j]!);
}
