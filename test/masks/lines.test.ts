import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffLineKeys, splitLines } from '../../masks';
import { binaryText, lineText, smallText } from './arbitraries';
import { cps, lcsLength, referenceLines } from './reference';

describe('splitLines', () => {
  const cases: [string, string[], number[]][] = [
    ['', [], [0]],
    ['a', ['a'], [0, 1]],
    ['a\n', ['a\n'], [0, 2]],
    ['a\nb', ['a\n', 'b'], [0, 2, 3]],
    ['\n', ['\n'], [0, 1]],
    ['\n\n', ['\n', '\n'], [0, 1, 2]],
    ['a\r\nb\r\n', ['a\r\n', 'b\r\n'], [0, 3, 6]],
    ['a\rb', ['a\rb'], [0, 3]],
    ['😀\né', ['😀\n', 'é'], [0, 2, 3]],
  ];
  for (const [text, texts, starts] of cases) {
    it(JSON.stringify(text), () => {
      const l = splitLines(text);
      assert.equal(l.count, texts.length);
      assert.deepEqual(l.texts, texts);
      assert.deepEqual(Array.from(l.starts), starts);
    });
  }

  it('agrees with String.split and counts code points', () => {
    fc.assert(
      fc.property(fc.oneof(smallText(60), binaryText(40)), (text) => {
        const l = splitLines(text);
        assert.deepEqual(l.texts, referenceLines(text));
        assert.equal(l.texts.join(''), text);
        let pos = 0;
        for (let k = 0; k < l.count; k++) {
          assert.equal(l.starts[k], pos);
          pos += cps(l.texts[k]).length;
        }
        assert.equal(l.starts[l.count], cps(text).length);
      }),
    );
  });
});

describe('diffLineKeys (minimal line diff)', () => {
  const lines = (s: string) => s.split('');
  const marks = (a: string, c: string) => {
    const d = diffLineKeys(lines(a), lines(c));
    return [Array.from(d.deletedA).join(''), Array.from(d.addedC).join('')];
  };

  it('marks inserted, deleted and replaced lines', () => {
    assert.deepEqual(marks('ABC', 'ABC'), ['000', '000']);
    assert.deepEqual(marks('AC', 'ABC'), ['00', '010']);
    assert.deepEqual(marks('ABC', 'AC'), ['010', '00']);
    assert.deepEqual(marks('ABC', 'AXC'), ['010', '010']);
    assert.deepEqual(marks('', 'AB'), ['', '11']);
    assert.deepEqual(marks('AB', ''), ['11', '']);
    assert.deepEqual(marks('AB', 'CD'), ['11', '11']);
  });

  it('breaks ties deterministically (match from the end, deletion before insertion)', () => {
    // a = [x, y], c = [y, x]: LCS 1; the traceback from the end deletes a's y and keeps x.
    assert.deepEqual(marks('xy', 'yx'), ['01', '10']);
    // Prefix is matched first: a = [x], c = [x, x] keeps the first x of c.
    assert.deepEqual(marks('x', 'xx'), ['0', '01']);
  });

  it('marks exactly n + m - 2 * LCS lines and keeps a common subsequence', () => {
    const arb = fc.tuple(fc.string({ unit: fc.constantFrom('A', 'B', 'C', 'D'), maxLength: 70 }), fc.string({ unit: fc.constantFrom('A', 'B', 'C', 'D'), maxLength: 70 }));
    fc.assert(
      fc.property(arb, fc.constantFrom(1 << 23, 6), ([a, c], maxWords) => {
        const A = lines(a);
        const C = lines(c);
        const d = diffLineKeys(A, C, maxWords);
        const keptA = A.filter((_, i) => d.deletedA[i] === 0);
        const keptC = C.filter((_, j) => d.addedC[j] === 0);
        assert.deepEqual(keptA, keptC);
        assert.equal(keptA.length, lcsLength(A, C));
      }),
      { numRuns: 400 },
    );
  });

  it('works on code-like lines', () => {
    fc.assert(
      fc.property(lineText(20), lineText(20), (a, c) => {
        const A = referenceLines(a);
        const C = referenceLines(c);
        const d = diffLineKeys(A, C);
        assert.equal(d.deletedA.length, A.length);
        assert.equal(d.addedC.length, C.length);
        const kept = A.filter((_, i) => d.deletedA[i] === 0);
        assert.deepEqual(kept, C.filter((_, j) => d.addedC[j] === 0));
        assert.equal(kept.length, lcsLength(A, C));
      }),
    );
  });
});
