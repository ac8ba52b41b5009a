import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { intersectSpans, isNormalized, normalizeSpans, spansFromSortedPositions, spansLength } from '../../masks';

describe('spans', () => {
  it('builds merged spans from sorted positions', () => {
    assert.deepEqual(spansFromSortedPositions([]), []);
    assert.deepEqual(spansFromSortedPositions([3]), [[3, 4]]);
    assert.deepEqual(spansFromSortedPositions([1, 2, 3, 7, 9, 10]), [[1, 4], [7, 8], [9, 11]]);
    assert.deepEqual(spansFromSortedPositions(Int32Array.from([0, 1, 5, 0]), 3), [[0, 2], [5, 6]]);
  });

  it('normalizes, intersects and measures', () => {
    assert.deepEqual(normalizeSpans([[5, 7], [1, 2], [2, 3], [6, 9], [4, 4]]), [[1, 3], [5, 9]]);
    assert.deepEqual(intersectSpans([[0, 5], [8, 12]], [[3, 9], [11, 20]]), [[3, 5], [8, 9], [11, 12]]);
    assert.equal(spansLength([[0, 5], [8, 12]]), 9);
    assert.equal(isNormalized([[0, 1], [2, 3]], 3), true);
    assert.equal(isNormalized([[0, 1], [1, 3]], 3), false);
    assert.equal(isNormalized([[0, 4]], 3), false);
  });

  it('agrees with a set of positions', () => {
    const arb = fc.uniqueArray(fc.nat(60), { maxLength: 40 });
    fc.assert(
      fc.property(arb, arb, (p, q) => {
        const ps = [...p].sort((x, y) => x - y);
        const qs = [...q].sort((x, y) => x - y);
        const sp = spansFromSortedPositions(ps);
        const sq = spansFromSortedPositions(qs);
        assert.ok(isNormalized(sp, 61));
        assert.equal(spansLength(sp), ps.length);
        assert.deepEqual(normalizeSpans(ps.map((x) => [x, x + 1])), sp);
        const both = ps.filter((x) => qs.includes(x));
        assert.deepEqual(intersectSpans(sp, sq), spansFromSortedPositions(both));
      }),
    );
  });
});
