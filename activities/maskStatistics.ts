/**
 * Statistics of the masks stage over all its shards: the stage summary that `fait status` /
 * `fait run` print and the report's `maskStatistics`. Pure (the experiment workflow imports it).
 */
import { formatEmptySides } from '../masks/emptySides';
import type { MaskShardResult } from './masks';

export interface MaskStatistics {
  pairsMasked: number;
  rejected: number;
  /** Records without an incorrect response. */
  unpaired: number;
  /** Means over the masked pairs (0 when none). */
  meanNormalizedEditDistance: number;
  meanMarkedCharsCorrect: number;
  /**
   * Masked pairs with no marked character on the correct / incorrect side (their W is alpha - 1,
   * see masks.anchorGaps); null when a shard was masked by a version that did not count them.
   */
  emptyCorrectSide: number | null;
  emptyIncorrectSide: number | null;
}

export function maskStatistics(results: readonly MaskShardResult[]): MaskStatistics {
  const total = (pick: (r: MaskShardResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const pairsMasked = total((r) => r.masks.count);
  const counted = (pick: (t: MaskShardResult['totals']) => number | undefined) =>
    results.every((r) => pick(r.totals) !== undefined) ? total((r) => pick(r.totals)!) : null;
  return {
    pairsMasked,
    rejected: total((r) => r.rejects.count),
    unpaired: total((r) => r.unpaired),
    meanNormalizedEditDistance: pairsMasked > 0 ? total((r) => r.totals.normalizedEditDistance) / pairsMasked : 0,
    meanMarkedCharsCorrect: pairsMasked > 0 ? total((r) => r.totals.markedCharsCorrect) / pairsMasked : 0,
    emptyCorrectSide: counted((t) => t.emptyCorrectSide),
    emptyIncorrectSide: counted((t) => t.emptyIncorrectSide),
  };
}

/**
 * "100 pairs masked, 0 rejected; mean normalised edit distance 0.014, mean marked chars 5.030;
 * 0 with an empty correct side, 3 with an empty incorrect side".
 */
export function formatMaskStatistics(s: MaskStatistics): string {
  const mean = (x: number) => x.toFixed(s.pairsMasked > 0 ? 3 : 0);
  const empty =
    s.emptyCorrectSide === null || s.emptyIncorrectSide === null
      ? 'empty sides not counted (masked by an older version)'
      : formatEmptySides({ emptyCorrectSide: s.emptyCorrectSide, emptyIncorrectSide: s.emptyIncorrectSide });
  return (
    `${s.pairsMasked} pairs masked, ${s.rejected} rejected; mean normalised edit distance ${mean(s.meanNormalizedEditDistance)}, ` +
    `mean marked chars ${mean(s.meanMarkedCharsCorrect)}; ${empty}`
  );
}
