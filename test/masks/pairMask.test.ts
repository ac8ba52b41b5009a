// Hand-worked cases of maskPair. Offsets were counted by hand (code points), see the comments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maskPair, PairMask } from '../../masks';

type Side = { lineMask: number[]; charSpans: [number, number][] };
function expectSides(m: PairMask, correct: Side, incorrect: Side): void {
  assert.deepEqual(m.correct, correct, 'correct side');
  assert.deepEqual(m.incorrect, incorrect, 'incorrect side');
}

describe('maskPair: hand-worked cases', () => {
  it('Figure 2: len(word) - 1 vs len(word) - 2 marks exactly the digit and its line', () => {
    const c = 'def last_index(word):\n    return len(word) - 1\n';
    const a = 'def last_index(word):\n    return len(word) - 2\n';
    // line 0 = "def last_index(word):\n" = 22 code points; in line 1 the digit is at
    // 4 (indent) + 7 ("return ") + 9 ("len(word)") + 3 (" - ") = 23 -> offset 45.
    assert.equal(c.indexOf('1'), 45);
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [0, 1], charSpans: [[45, 46]] }, { lineMask: [0, 1], charSpans: [[45, 46]] });
    assert.deepEqual(m.stats, {
      linesCorrect: 2,
      linesIncorrect: 2,
      markedLinesCorrect: 1,
      markedLinesIncorrect: 1,
      markedCharsCorrect: 1,
      markedCharsIncorrect: 1,
      editDistance: 1,
      normalizedEditDistance: 1 / 47,
    });
  });

  it('operator flip < vs <=: the "=" is an insertion, marked in c only', () => {
    const c = 'if x <= 0:\n    return 0\n';
    const a = 'if x < 0:\n    return 0\n';
    const m = maskPair(c, a);
    // "if x <" = positions 0..5, the "=" is c[6]
    expectSides(m, { lineMask: [1, 0], charSpans: [[6, 7]] }, { lineMask: [1, 0], charSpans: [] });
    assert.equal(m.stats.editDistance, 1);
    assert.equal(m.stats.markedCharsCorrect, 1);
    assert.equal(m.stats.markedCharsIncorrect, 0);
    // and the other way round (<= is the bug): the "=" is deleted from a
    const r = maskPair(a, c);
    expectSides(r, { lineMask: [1, 0], charSpans: [] }, { lineMask: [1, 0], charSpans: [[6, 7]] });
  });

  it('inserted line: only c gets marks', () => {
    const c = 'a = 1\nb = 2\nc = 3\n';
    const a = 'a = 1\nc = 3\n';
    // "a = 1\n" is 6 code points, so the new line "b = 2\n" is c[6..12)
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [0, 1, 0], charSpans: [[6, 12]] }, { lineMask: [0, 0], charSpans: [] });
    assert.equal(m.stats.editDistance, 6);
  });

  it('deleted line: a gets marks, c gets no character marks from a pure deletion', () => {
    const c = 'a = 1\nc = 3\n';
    const a = 'a = 1\nb = 2\nc = 3\n';
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [0, 0], charSpans: [] }, { lineMask: [0, 1, 0], charSpans: [[6, 12]] });
    assert.equal(m.stats.markedLinesCorrect, 0);
    assert.equal(m.stats.markedCharsCorrect, 0);
    assert.equal(m.stats.markedCharsIncorrect, 6);
  });

  it('changed indentation marks the added spaces and the line', () => {
    const c = 'def f(x):\n    return x\n';
    const a = 'def f(x):\n  return x\n';
    // common prefix "def f(x):\n  " (12), the two extra spaces are c[12..14)
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [0, 1], charSpans: [[12, 14]] }, { lineMask: [0, 1], charSpans: [] });
  });

  it('identical texts: everything zero', () => {
    const t = 'x = 1\n\ny = "😀"\n';
    const m = maskPair(t, t);
    expectSides(m, { lineMask: [0, 0, 0], charSpans: [] }, { lineMask: [0, 0, 0], charSpans: [] });
    assert.equal(m.stats.editDistance, 0);
    assert.equal(m.stats.normalizedEditDistance, 0);
  });

  it('completely different texts: everything marked', () => {
    const m = maskPair('abc\n', 'xyz');
    // 3 substitutions + 1 insertion: all of c (4) and all of a (3) marked
    expectSides(m, { lineMask: [1], charSpans: [[0, 4]] }, { lineMask: [1], charSpans: [[0, 3]] });
    assert.equal(m.stats.editDistance, 4);
    assert.equal(m.stats.normalizedEditDistance, 1);
  });

  it('empty texts (either or both)', () => {
    const both = maskPair('', '');
    expectSides(both, { lineMask: [], charSpans: [] }, { lineMask: [], charSpans: [] });
    assert.deepEqual(both.stats, {
      linesCorrect: 0,
      linesIncorrect: 0,
      markedLinesCorrect: 0,
      markedLinesIncorrect: 0,
      markedCharsCorrect: 0,
      markedCharsIncorrect: 0,
      editDistance: 0,
      normalizedEditDistance: 0,
    });
    const emptyC = maskPair('', 'x\n');
    expectSides(emptyC, { lineMask: [], charSpans: [] }, { lineMask: [1], charSpans: [[0, 2]] });
    assert.equal(emptyC.stats.editDistance, 2);
    assert.equal(emptyC.stats.normalizedEditDistance, 1);
    const emptyA = maskPair('x', '');
    expectSides(emptyA, { lineMask: [1], charSpans: [[0, 1]] }, { lineMask: [], charSpans: [] });
  });

  it('CRLF: "\\r" is line content, LF -> CRLF marks every "\\r" and every line', () => {
    const c = 'a = 1\r\nb = 2\r\n';
    const a = 'a = 1\nb = 2\n';
    // "a = 1" = 0..4, "\r" at 5, "\n" at 6, "b = 2" = 7..11, "\r" at 12
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [1, 1], charSpans: [[5, 6], [12, 13]] }, { lineMask: [1, 1], charSpans: [] });
    assert.equal(m.stats.linesCorrect, 2);
    // same line endings on both sides: only the changed line
    const m2 = maskPair('a = 1\r\nb = 2\r\n', 'a = 1\r\nb = 3\r\n');
    expectSides(m2, { lineMask: [0, 1], charSpans: [[11, 12]] }, { lineMask: [0, 1], charSpans: [[11, 12]] });
  });

  it('trailing newline or not', () => {
    const c = 'x = 1\ny = 2\n';
    const a = 'x = 1\ny = 2';
    // the final "\n" is c[11]; "y = 2\n" and "y = 2" are different lines
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [0, 1], charSpans: [[11, 12]] }, { lineMask: [0, 1], charSpans: [] });
    assert.equal(m.stats.linesCorrect, 2);
    assert.equal(m.stats.linesIncorrect, 2);
  });

  it('non-ASCII and emoji: offsets are code points', () => {
    const c = "s = '😀 café'\n";
    const a = "s = '😃 cafe'\n";
    // s0 ' '1 =2 ' '3 '4 😀5 ' '6 c7 a8 f9 é10 '11 \n12 (in UTF-16 "é" would be at 11)
    assert.equal(c.indexOf('é'), 11);
    const m = maskPair(c, a);
    expectSides(m, { lineMask: [1], charSpans: [[5, 6], [10, 11]] }, { lineMask: [1], charSpans: [[5, 6], [10, 11]] });
    assert.equal(m.stats.markedCharsCorrect, 2);
    assert.equal(m.stats.normalizedEditDistance, 2 / 13);
  });

  it("segments: 'code' keeps only marks inside fenced code blocks", () => {
    const c = 'Here is the fix:\n```python\ndef f(x):\n    return x + 1\n```\nThis adds one.\n';
    const a = 'Here is a fix:\n```python\ndef f(x):\n    return x - 1\n```\nThis subtracts one.\n';
    // c: lines start at 0, 17, 27, 37, 54, 58; the "+" is 37 + 13 = 50.
    // a: lines start at 0, 15, 25, 35, 52, 56; the "-" is 35 + 13 = 48.
    assert.equal(c.indexOf('+'), 50);
    assert.equal(a.indexOf('-'), 48);
    const code = maskPair(c, a, { segments: 'code' });
    expectSides(
      code,
      { lineMask: [0, 0, 0, 1, 0, 0], charSpans: [[50, 51]] },
      { lineMask: [0, 0, 0, 1, 0, 0], charSpans: [[48, 49]] },
    );
    assert.equal(code.stats.markedCharsCorrect, 1);
    assert.equal(code.stats.markedLinesCorrect, 1);
    const all = maskPair(c, a);
    assert.deepEqual(all.correct.lineMask, [1, 0, 0, 1, 0, 1]);
    assert.ok(all.stats.markedCharsCorrect > 1);
    assert.equal(code.stats.editDistance, all.stats.editDistance);
    // a response without fences has no code
    const bare = maskPair('x = 1\n', 'x = 2\n', { segments: 'code' });
    expectSides(bare, { lineMask: [0], charSpans: [] }, { lineMask: [0], charSpans: [] });
  });

  it('rejects an unknown segments option', () => {
    assert.throws(() => maskPair('a', 'b', { segments: 'prose' as never }), /segments/);
  });
});
