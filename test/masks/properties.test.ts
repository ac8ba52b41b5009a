// Property tests of maskPair against independent references (reference.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { codeLineFlags, codeSpans, intersectSpans, isNormalized, maskPair, spansLength, splitLines } from '../../masks';
import { binaryText, graphemeText, lineText, similarPair, smallText } from './arbitraries';
import { cps, lcsLength, levenshteinDistance, positions, referenceEditops, referenceLines } from './reference';

const fenced = fc
  .tuple(lineText(6), lineText(6), lineText(6), fc.boolean())
  .map(([x, y, z, close]) => `${x}\n\`\`\`python\n${y}\n${close ? '```\n' : ''}${z}`);

const pairArbs: [string, fc.Arbitrary<[string, string]>][] = [
  ['small alphabet', fc.tuple(smallText(50), smallText(50))],
  ['binary unicode', fc.tuple(binaryText(30), binaryText(30))],
  ['graphemes', fc.tuple(graphemeText(15), graphemeText(15))],
  ['similar texts', similarPair(smallText(150), 5)],
  ['similar code', similarPair(lineText(25), 6)],
  ['similar fenced responses', similarPair(fenced, 6)],
];

describe('maskPair properties', () => {
  for (const [name, arb] of pairArbs) {
    it(`marks exactly the unmatched characters of an optimal alignment (${name})`, () => {
      fc.assert(
        fc.property(arb, ([c, a]) => {
          const m = maskPair(c, a);
          const C = cps(c);
          const A = cps(a);
          const dist = levenshteinDistance(A, C);
          // optimal
          assert.equal(m.stats.editDistance, dist);
          // spans well-formed
          assert.ok(isNormalized(m.correct.charSpans, C.length), 'correct spans normalized');
          assert.ok(isNormalized(m.incorrect.charSpans, A.length), 'incorrect spans normalized');
          // marked in c = S + I, marked in a = S + D, distance = S + I + D
          const ops = referenceEditops(A, C);
          const S = ops.filter((o) => o[0] === 'replace').length;
          const I = ops.filter((o) => o[0] === 'insert').length;
          const D = ops.filter((o) => o[0] === 'delete').length;
          assert.equal(S + I + D, dist);
          assert.equal(m.stats.markedCharsCorrect, S + I);
          assert.equal(m.stats.markedCharsIncorrect, S + D);
          assert.equal(spansLength(m.correct.charSpans), m.stats.markedCharsCorrect);
          assert.equal(spansLength(m.incorrect.charSpans), m.stats.markedCharsIncorrect);
          // the exact marked positions are those of the reference edit script
          assert.deepEqual(positions(m.correct.charSpans), new Set(ops.filter((o) => o[0] !== 'delete').map((o) => o[2])));
          assert.deepEqual(positions(m.incorrect.charSpans), new Set(ops.filter((o) => o[0] !== 'insert').map((o) => o[1])));
          // the unmarked characters of both sides are the matched pairs: equal subsequences
          const markC = positions(m.correct.charSpans);
          const markA = positions(m.incorrect.charSpans);
          assert.deepEqual(
            C.filter((_, j) => !markC.has(j)),
            A.filter((_, i) => !markA.has(i)),
          );
          // consistent relations between the counts
          const mc = m.stats.markedCharsCorrect;
          const ma = m.stats.markedCharsIncorrect;
          assert.ok(mc + ma >= dist && mc <= dist && ma <= dist);
          assert.equal(mc - ma, C.length - A.length);
          const maxLen = Math.max(C.length, A.length);
          assert.equal(m.stats.normalizedEditDistance, maxLen === 0 ? 0 : dist / maxLen);
          // line masks: one 0/1 entry per line, a minimal line diff
          const LC = referenceLines(c);
          const LA = referenceLines(a);
          assert.equal(m.correct.lineMask.length, LC.length);
          assert.equal(m.incorrect.lineMask.length, LA.length);
          assert.equal(m.stats.linesCorrect, LC.length);
          assert.equal(m.stats.linesIncorrect, LA.length);
          assert.ok(m.correct.lineMask.every((x) => x === 0 || x === 1));
          assert.ok(m.incorrect.lineMask.every((x) => x === 0 || x === 1));
          const keptC = LC.filter((_, k) => m.correct.lineMask[k] === 0);
          const keptA = LA.filter((_, k) => m.incorrect.lineMask[k] === 0);
          assert.deepEqual(keptC, keptA);
          assert.equal(keptC.length, lcsLength(LA, LC));
          assert.equal(m.stats.markedLinesCorrect, LC.length - keptC.length);
          assert.equal(m.stats.markedLinesIncorrect, LA.length - keptA.length);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('masks of (a, a) are all zero', () => {
    fc.assert(
      fc.property(fc.oneof(binaryText(80), lineText(20), graphemeText(30), fenced), fc.constantFrom('all' as const, 'code' as const), (t, segments) => {
        const m = maskPair(t, t, { segments });
        assert.ok(m.correct.lineMask.every((x) => x === 0));
        assert.ok(m.incorrect.lineMask.every((x) => x === 0));
        assert.deepEqual(m.correct.charSpans, []);
        assert.deepEqual(m.incorrect.charSpans, []);
        assert.equal(m.stats.editDistance, 0);
        assert.equal(m.stats.markedLinesCorrect + m.stats.markedLinesIncorrect, 0);
      }),
    );
  });

  it("segments: 'code' keeps exactly the marks inside code blocks", () => {
    fc.assert(
      fc.property(similarPair(fenced, 6), ([c, a]) => {
        const all = maskPair(c, a);
        const code = maskPair(c, a, { segments: 'code' });
        for (const [side, text] of [['correct', c], ['incorrect', a]] as const) {
          const lines = splitLines(text);
          const flags = codeLineFlags(lines);
          assert.deepEqual(
            code[side].lineMask,
            all[side].lineMask.map((x, k) => x & flags[k]),
          );
          assert.deepEqual(code[side].charSpans, intersectSpans(all[side].charSpans, codeSpans(lines, flags)));
          assert.ok(isNormalized(code[side].charSpans, cps(text).length));
        }
        assert.equal(code.stats.editDistance, all.stats.editDistance);
        assert.equal(code.stats.markedCharsCorrect, spansLength(code.correct.charSpans));
        assert.ok(code.stats.markedCharsCorrect <= all.stats.markedCharsCorrect);
      }),
      { numRuns: 200 },
    );
  });
});
