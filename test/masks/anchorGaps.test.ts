// masks.anchorGaps: a gap on one side (characters only the other side has) also marks, on the side
// without them, the character on each side of the gap position and the line of the gap
// (masks/anchorGaps.ts). Hand-worked cases, then properties against the reference edit script.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { masksSchema } from '../../config/schema';
import { countEmptySides, isNormalized, maskPair, maskRecords, spansLength, splitLines, type PairMask } from '../../masks';
import { binaryText, graphemeText, lineText, similarPair, smallText } from './arbitraries';
import { cps, positions, referenceEditops } from './reference';

const on = { anchorGaps: true };

/** 1 + 1 per character: V_hybrid as the trainer computes it (line mark + char mark), per code point. */
function hybrid(text: string, side: PairMask['correct']): number[] {
  const lines = splitLines(text);
  const out: number[] = [];
  for (let k = 0; k < lines.count; k++) {
    for (let x = lines.starts[k]; x < lines.starts[k + 1]; x++) {
      const charMarked = side.charSpans.some(([s, e]) => s <= x && x < e) ? 1 : 0;
      out.push(side.lineMask[k] + charMarked);
    }
  }
  return out;
}

describe('anchorGaps: hand-worked cases', () => {
  it('off (the paper): a pure insertion leaves the incorrect side without any char mark (and a left-out line, without any mark)', () => {
    assert.deepEqual(maskPair('abXc', 'abc').incorrect, { lineMask: [1], charSpans: [] });
    const m = maskPair('A\nB\nC\n', 'A\nC\n');
    assert.deepEqual(m.incorrect, { lineMask: [0, 0], charSpans: [] });
    assert.deepEqual(countEmptySides([m]), { emptyCorrectSide: 0, emptyIncorrectSide: 1 });
  });

  it('pure insertion (the incorrect response leaves code out): the neighbours of the gap are marked in the incorrect side', () => {
    const m = maskPair('abXYc', 'abc', on);
    assert.deepEqual(m.correct, { lineMask: [1], charSpans: [[2, 4]] }, 'the correct side is as without the option');
    assert.deepEqual(m.incorrect, { lineMask: [1], charSpans: [[1, 3]] }, '"b" and "c", on each side of the gap at 2');
    assert.equal(m.stats.markedCharsIncorrect, 2);
    assert.equal(m.stats.markedLinesIncorrect, 1);
    assert.equal(m.stats.editDistance, 2, 'the distance is not changed by the anchors');
    assert.deepEqual(countEmptySides([m]), { emptyCorrectSide: 0, emptyIncorrectSide: 0 });
  });

  it('pure deletion (the incorrect response adds code): the neighbours of the gap are marked in the correct side', () => {
    const m = maskPair('ab', 'aXXb', on);
    assert.deepEqual(m.incorrect, { lineMask: [1], charSpans: [[1, 3]] });
    assert.deepEqual(m.correct, { lineMask: [1], charSpans: [[0, 2]] });
  });

  it('a gap at the very start marks only the first character; at the very end only the last one', () => {
    assert.deepEqual(maskPair('Xabc', 'abc', on).incorrect, { lineMask: [1], charSpans: [[0, 1]] });
    assert.deepEqual(maskPair('abcX', 'abc', on).incorrect, { lineMask: [1], charSpans: [[2, 3]] });
    assert.deepEqual(maskPair('abc', 'Xabc', on).correct, { lineMask: [1], charSpans: [[0, 1]] });
    assert.deepEqual(maskPair('abc', 'abcX', on).correct, { lineMask: [1], charSpans: [[2, 3]] });
    // after a final newline: the gap is at the end, its line is the last line
    assert.deepEqual(maskPair('x\ny\n', 'x\n', on).incorrect, { lineMask: [1], charSpans: [[1, 2]] });
  });

  it('a gap at a line boundary marks the previous "\\n" and the next line\'s first character, and the next line', () => {
    const c = 'A\nB\nC\n';
    const a = 'A\nC\n';
    const m = maskPair(c, a, on);
    assert.deepEqual(m.correct, { lineMask: [0, 1, 0], charSpans: [[2, 4]] });
    assert.deepEqual(m.incorrect, { lineMask: [0, 1], charSpans: [[1, 3]] });
    // V_hybrid on a = "A\nC\n": the "\n" of line 0 is char-marked only, the "C" is line- and char-marked
    assert.deepEqual(hybrid(a, m.incorrect), [0, 1, 2, 1]);
  });

  it('a missing line ending: the gap lies before the "\\n" on the same line', () => {
    const m = maskPair('x = 1 + y\n', 'x = 1\n', on);
    assert.deepEqual(m.incorrect, { lineMask: [1], charSpans: [[4, 6]] }, '"1" and the "\\n"');
  });

  it('CRLF: "\\r" and "\\n" are ordinary neighbours, marks stay inside the text', () => {
    // a whole CRLF line left out
    const m = maskPair('x\r\nz\r\ny\r\n', 'x\r\ny\r\n', on);
    assert.deepEqual(m.incorrect, { lineMask: [0, 1], charSpans: [[2, 4]] }, 'the "\\n" of line 0 and the "y"');
    // LF -> CRLF: the missing "\r" sits between "x" and "\n"
    assert.deepEqual(maskPair('x\r\n', 'x\n', on).incorrect, { lineMask: [1], charSpans: [[0, 2]] });
    // CRLF -> LF: the extra "\r" is marked in a, its neighbours in c
    const back = maskPair('x\n', 'x\r\n', on);
    assert.deepEqual(back.incorrect.charSpans, [[1, 2]]);
    assert.deepEqual(back.correct, { lineMask: [1], charSpans: [[0, 2]] });
    // a gap at the end of a CRLF text marks its last character, the "\n"
    assert.deepEqual(maskPair('a\r\nb\r\n', 'a\r\n', on).incorrect, { lineMask: [1], charSpans: [[2, 3]] });
  });

  it('non-BMP characters are single positions: an emoji next to the gap is marked whole', () => {
    const m = maskPair('😀🙂😀', '😀😀', on);
    assert.deepEqual(m.incorrect, { lineMask: [1], charSpans: [[0, 2]] }, 'two code points, not four UTF-16 units');
    const end = maskPair('x😀y', 'x😀', on);
    assert.deepEqual(end.incorrect, { lineMask: [1], charSpans: [[1, 2]] }, 'the emoji, the last code point (length 2)');
    assert.ok(isNormalized(end.incorrect.charSpans, 2));
  });

  it('several gaps on one side each get their anchors', () => {
    const m = maskPair('aXbcYd\nZe\n', 'abcd\ne\n', on);
    // gaps at 1 ("X"), 3 ("Y") and 5 ("Z") of a = "abcd\ne\n": anchors {0,1}, {2,3}, {4,5}; lines of a[1], a[3], a[5]
    assert.deepEqual(m.incorrect, { lineMask: [1, 1], charSpans: [[0, 6]] });
  });

  it('an empty side has nothing to anchor on; identical texts have no gap', () => {
    const m = maskPair('abc\n', '', on);
    assert.deepEqual(m.incorrect, { lineMask: [], charSpans: [] });
    assert.deepEqual(countEmptySides([m]), { emptyCorrectSide: 0, emptyIncorrectSide: 1 });
    const same = maskPair('x\ny\n', 'x\ny\n', on);
    assert.deepEqual(same, maskPair('x\ny\n', 'x\ny\n'));
    assert.deepEqual(countEmptySides([same]), { emptyCorrectSide: 1, emptyIncorrectSide: 1 });
  });

  it('a substitution-only pair is not changed by the option', () => {
    assert.deepEqual(maskPair('x = 1\n', 'x = 2\n', on), maskPair('x = 1\n', 'x = 2\n'));
  });

  it("segments 'code': anchors outside code blocks are dropped like every other mark", () => {
    const c = 'Intro.\n```\nx = 1\ny = 2\n```\nEnd!\n';
    const a = 'Intro.\n```\nx = 1\n```\nEnd\n';
    const m = maskPair(c, a, { segments: 'code', anchorGaps: true });
    // The code gap (line "y = 2" left out, at 17) is anchored on the "\n" of "x = 1" (16) and the
    // first "`" of the closing fence (17) and on the fence's line; the fence is not code, so only
    // the "\n" stays. The gap of "!" (anchors "d" and "\n" of "End") is outside code: dropped.
    assert.deepEqual(m.incorrect.charSpans, [[16, 17]]);
    assert.deepEqual(m.incorrect.lineMask, [0, 0, 0, 0, 0]);
    const all = maskPair(c, a, on);
    assert.deepEqual(all.incorrect, { lineMask: [0, 0, 0, 1, 1], charSpans: [[16, 18], [23, 25]] });
  });

  it('maskRecords passes the option on and rejects a non-boolean', () => {
    const { masks } = maskRecords([{ id: 1, correct: 'abXc', incorrect: 'abc' }], { anchorGaps: true });
    assert.deepEqual(masks[0].incorrect.charSpans, [[1, 3]]);
    assert.throws(() => maskRecords([], { anchorGaps: 'yes' as unknown as boolean }), /anchorGaps must be a boolean, got "yes"/);
    assert.throws(() => maskPair('a', 'b', { anchorGaps: 1 as unknown as boolean }), /anchorGaps must be a boolean/);
  });

  it('masks.anchorGaps is false by default (the paper) and must be a boolean', () => {
    assert.equal(masksSchema.parse({}).anchorGaps, false);
    assert.equal(masksSchema.parse({ anchorGaps: true }).anchorGaps, true);
    assert.equal(masksSchema.safeParse({ anchorGaps: 'yes' }).success, false);
  });
});

const pairArbs: [string, fc.Arbitrary<[string, string]>][] = [
  ['small alphabet', fc.tuple(smallText(40), smallText(40))],
  ['binary unicode', fc.tuple(binaryText(25), binaryText(25))],
  ['graphemes', fc.tuple(graphemeText(12), graphemeText(12))],
  ['similar texts', similarPair(smallText(120), 5)],
  ['similar code', similarPair(lineText(20), 6)],
];

/** The line holding code point x, from splitLines (independent of TextBuffer.lineOf). */
function lineOf(text: string, x: number): number {
  const { count, starts } = splitLines(text);
  for (let k = 0; k < count; k++) if (x < starts[k + 1]) return k;
  throw new Error(`no line holds ${x}`);
}

describe('anchorGaps: properties', () => {
  for (const [name, arb] of pairArbs) {
    it(`every side of a differing pair has a char-marked character and a marked line, unless empty (${name})`, () => {
      fc.assert(
        fc.property(arb, ([c, a]) => {
          const m = maskPair(c, a, on);
          const C = cps(c);
          const A = cps(a);
          assert.ok(isNormalized(m.correct.charSpans, C.length), 'correct spans inside the text');
          assert.ok(isNormalized(m.incorrect.charSpans, A.length), 'incorrect spans inside the text');
          if (c === a) return;
          if (C.length > 0) {
            assert.ok(m.stats.markedCharsCorrect > 0, 'a char-marked character in c');
            assert.ok(m.stats.markedLinesCorrect > 0, 'a marked line in c');
          }
          if (A.length > 0) {
            assert.ok(m.stats.markedCharsIncorrect > 0, 'a char-marked character in a');
            assert.ok(m.stats.markedLinesIncorrect > 0, 'a marked line in a');
          }
        }),
        { numRuns: 300 },
      );
    });

    it(`the marks are those without the option plus exactly the gap anchors (${name})`, () => {
      fc.assert(
        fc.property(arb, ([c, a]) => {
          const off = maskPair(c, a);
          const m = maskPair(c, a, on);
          const C = cps(c);
          const A = cps(a);
          const ops = referenceEditops(A, C);
          for (const [side, text, len, kind, at] of [
            ['incorrect', a, A.length, 'insert', 1],
            ['correct', c, C.length, 'delete', 2],
          ] as const) {
            const chars = positions(off[side].charSpans);
            const lines = [...off[side].lineMask];
            const gapAt: number[] = [];
            for (const op of ops) {
              if (op[0] !== kind || len === 0) continue;
              const x = op[at];
              if (x > 0) chars.add(x - 1);
              if (x < len) chars.add(x);
              const holder = x < len ? x : len - 1;
              lines[lineOf(text, holder)] = 1;
              gapAt.push(holder);
            }
            assert.deepEqual(positions(m[side].charSpans), chars, `${side} char marks`);
            assert.deepEqual(m[side].lineMask, lines, `${side} line marks`);
            // the character at (or, at the end, before) the gap position is line- and char-marked
            const h = hybrid(text, m[side]);
            for (const x of gapAt) assert.equal(h[x], 2, `V_hybrid at ${x} of the ${side} side`);
          }
          assert.equal(m.stats.markedCharsCorrect, spansLength(m.correct.charSpans));
          assert.equal(m.stats.markedCharsIncorrect, spansLength(m.incorrect.charSpans));
          assert.equal(m.stats.editDistance, off.stats.editDistance);
        }),
        { numRuns: 300 },
      );
    });
  }
});
