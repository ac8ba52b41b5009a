// Tests of the internal fast paths that maskPair uses (reused buffers, line diff shortcuts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffLineKeys, maskPair, toCodePoints } from '../../masks';
import { alignCore, histogramLowerBound } from '../../masks/levenshtein';
import { diffTextLines } from '../../masks/lineDiff';
import { TextBuffer } from '../../masks/textBuffer';
import { binaryText, lineText, similarPair, smallText } from './arbitraries';
import { cps, levenshteinDistance, referenceLines } from './reference';

const anyText = fc.oneof(smallText(60), binaryText(40), lineText(15));

describe('internals', () => {
  it('TextBuffer.decode gives the code points and line ends of lines.ts', () => {
    const buf = new TextBuffer();
    fc.assert(
      fc.property(anyText, (text) => {
        buf.decode(text);
        assert.deepEqual(Array.from(buf.cps.subarray(0, buf.len)), cps(text));
        const lines = referenceLines(text);
        assert.equal(buf.lines, lines.length);
        let end = 0;
        lines.forEach((l, k) => {
          end += cps(l).length;
          assert.equal(buf.lineEnds[k], end);
        });
      }),
    );
    buf.decode('x'.repeat(10_000) + '\n'.repeat(1000)); // grows its buffers
    assert.equal(buf.len, 11_000);
    assert.equal(buf.lines, 1000);
  });

  it('diffTextLines (prefix/suffix shortcuts, hashed interning) equals diffLineKeys', () => {
    const A = new TextBuffer();
    const C = new TextBuffer();
    const arb = fc.oneof(similarPair(lineText(20), 6), fc.tuple(lineText(15), lineText(15)), similarPair(smallText(80), 4));
    fc.assert(
      fc.property(arb, ([c, a]) => {
        A.decode(a);
        C.decode(c);
        const r = alignCore(A.cps, A.len, C.cps, C.len);
        const fast = diffTextLines(A, C, r.prefix, r.suffix);
        const slow = diffLineKeys(referenceLines(a), referenceLines(c));
        assert.deepEqual(Array.from(fast.deleted.subarray(0, A.lines)), Array.from(slow.deletedA));
        assert.deepEqual(Array.from(fast.added.subarray(0, C.lines)), Array.from(slow.addedC));
      }),
      { numRuns: 500 },
    );
    // the case where the character suffix is cut short by the prefix: a = "x", c = "xy\nx"
    A.decode('x');
    C.decode('xy\nx');
    const r = alignCore(A.cps, A.len, C.cps, C.len);
    const fast = diffTextLines(A, C, r.prefix, r.suffix);
    assert.deepEqual([Array.from(fast.deleted.subarray(0, 1)), Array.from(fast.added.subarray(0, 2))], [[0], [1, 0]]);
  });

  it('histogramLowerBound never exceeds the distance', () => {
    fc.assert(
      fc.property(fc.tuple(anyText, anyText), ([a, c]) => {
        const A = toCodePoints(a);
        const C = toCodePoints(c);
        assert.ok(histogramLowerBound(A, C, 0, A.length, C.length) <= levenshteinDistance(cps(a), cps(c)));
      }),
    );
  });

  it('results do not alias the reused buffers', () => {
    const first = maskPair('a = 1\nb = 2\n', 'a = 3\nb = 2\n');
    const copy = JSON.parse(JSON.stringify(first));
    maskPair('x\ny\nz\n'.repeat(50), 'q\n'.repeat(80));
    maskPair('', 'long text '.repeat(300));
    assert.deepEqual(first, copy);
  });

  it('handles long dissimilar texts (checkpointed bit-parallel) and long similar ones', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const word = () => 'abcdefghij'.slice(0, 1 + Math.floor(rnd() * 9));
    const text = (n: number) => {
      let t = '';
      while (t.length < n) t += word() + (rnd() < 0.15 ? '\n' : ' ');
      return t.slice(0, n);
    };
    const c = text(20_000);
    const a = text(20_000);
    const t0 = Date.now();
    const m = maskPair(c, a);
    const ms = Date.now() - t0;
    assert.ok(m.stats.editDistance > 5000 && m.stats.editDistance <= 20_000);
    assert.equal(m.stats.markedCharsCorrect - m.stats.markedCharsIncorrect, 0);
    assert.ok(ms < 20_000, `took ${ms} ms`);
    // similar long texts: one change in the middle of 100 000 code points
    const big = text(100_000);
    const changed = big.slice(0, 50_000) + 'Z' + big.slice(50_001);
    const s = maskPair(big, changed);
    assert.equal(s.stats.editDistance, 1);
    assert.deepEqual(s.correct.charSpans, [[50_000, 50_001]]);
  });
});
