// The masks stage's statistics over its shards: the summary `fait status` / `fait run` print and
// the report's maskStatistics.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatMaskStatistics, maskStatistics } from '../../activities/maskStatistics';
import type { MaskShardResult } from '../../activities/masks';

const ref = (count: number) => ({ uri: 'file:///x', sha256: '0'.repeat(64), count, bytes: 0 });

function shard(count: number, rejected: number, totals: MaskShardResult['totals']): MaskShardResult {
  return { masks: ref(count), pairs: ref(count), rejects: ref(rejected), unpaired: 1, totals };
}

describe('mask statistics', () => {
  test('sums the shards, means over the masked pairs, counts the pairs with an empty side', () => {
    const s = maskStatistics([
      shard(3, 1, { markedCharsCorrect: 9, markedLinesCorrect: 3, normalizedEditDistance: 0.3, emptyCorrectSide: 0, emptyIncorrectSide: 2 }),
      shard(1, 0, { markedCharsCorrect: 3, markedLinesCorrect: 1, normalizedEditDistance: 0.1, emptyCorrectSide: 1, emptyIncorrectSide: 0 }),
    ]);
    assert.deepEqual({ ...s, meanNormalizedEditDistance: undefined }, {
      pairsMasked: 4,
      rejected: 1,
      unpaired: 2,
      meanNormalizedEditDistance: undefined,
      meanMarkedCharsCorrect: 3,
      emptyCorrectSide: 1,
      emptyIncorrectSide: 2,
    });
    // 0.3 + 0.1 and / 4 are each within an ulp of 0.1; three decimals are printed
    assert.ok(Math.abs(s.meanNormalizedEditDistance - 0.1) < 1e-15);
    assert.equal(
      formatMaskStatistics(s),
      '4 pairs masked, 1 rejected; mean normalised edit distance 0.100, mean marked chars 3.000; 1 with an empty correct side, 2 with an empty incorrect side',
    );
  });

  test('no pairs: means are 0; results of a version that did not count empty sides say so', () => {
    const none = maskStatistics([]);
    assert.equal(formatMaskStatistics(none), '0 pairs masked, 0 rejected; mean normalised edit distance 0, mean marked chars 0; 0 with an empty correct side, 0 with an empty incorrect side');
    const old = maskStatistics([shard(2, 0, { markedCharsCorrect: 2, markedLinesCorrect: 2, normalizedEditDistance: 0.5 })]);
    assert.equal(old.emptyCorrectSide, null);
    assert.match(formatMaskStatistics(old), /; empty sides not counted \(masked by an older version\)$/);
  });
});
