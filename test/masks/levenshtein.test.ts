import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { align, toEditops, toCodePoints } from '../../masks';
import { binaryText, graphemeText, lineText, similarPair, smallText } from './arbitraries';
import { cps, levenshteinDistance, referenceEditops } from './reference';

const ops = (a: string, c: string, method?: 'auto' | 'diagonal' | 'bitParallel', maxWords?: number) =>
  toEditops(align(toCodePoints(a), toCodePoints(c), { method, maxWords }));

/** Checks that the script is a valid alignment of a into c and returns its matched pairs. */
function checkScript(a: string, c: string, method?: 'auto' | 'diagonal' | 'bitParallel', maxWords?: number): void {
  const A = cps(a);
  const C = cps(c);
  const al = align(Int32Array.from(A), Int32Array.from(C), { method, maxWords });
  // Walk the script: positions between edits are matches and must hold equal code points.
  let i = 0;
  let j = 0;
  for (let t = 0; t < al.distance; t++) {
    const s = al.src[t];
    const d = al.dest[t];
    while (i < s && j < d) {
      assert.equal(A[i], C[j], 'matched code points differ');
      i++;
      j++;
    }
    assert.equal(i, s, 'script skips characters of a');
    assert.equal(j, d, 'script skips characters of c');
    if (al.kinds[t] === 1) i++;
    else if (al.kinds[t] === 2) j++;
    else {
      assert.notEqual(A[i], C[j], 'substitution of equal characters');
      i++;
      j++;
    }
  }
  assert.equal(A.length - i, C.length - j);
  for (; i < A.length; i++, j++) assert.equal(A[i], C[j]);
  // Optimal: its cost is the true Levenshtein distance.
  assert.equal(al.distance, levenshteinDistance(A, C));
  assert.equal(al.substitutions + al.insertions + al.deletions, al.distance);
  assert.equal(al.insertions - al.deletions, C.length - A.length);
}

describe('levenshtein alignment: hand-worked cases', () => {
  // Expected values are what Python's Levenshtein.editops (0.27.5) returns for the same strings.
  const cases: [string, string, [string, number, number][]][] = [
    ['kitten', 'sitting', [['replace', 0, 0], ['replace', 4, 4], ['insert', 6, 6]]],
    ['ab', 'ba', [['insert', 0, 0], ['delete', 1, 2]]],
    ['a', 'aa', [['insert', 1, 1]]],
    ['aa', 'a', [['delete', 1, 1]]],
    ['abc', 'acb', [['insert', 1, 1], ['delete', 2, 3]]],
    ['xay', 'xbz', [['replace', 1, 1], ['replace', 2, 2]]],
    ['abcd', 'bcda', [['delete', 0, 0], ['insert', 4, 3]]],
    ['aXb', 'ab', [['delete', 1, 1]]],
    ['xyz', 'zxy', [['insert', 0, 0], ['delete', 2, 3]]],
    ['abab', 'baba', [['insert', 0, 0], ['delete', 3, 4]]],
    ['', '', []],
    ['', 'ab', [['insert', 0, 0], ['insert', 0, 1]]],
    ['ab', '', [['delete', 0, 0], ['delete', 1, 0]]],
    ['len(word) - 2', 'len(word) - 1', [['replace', 12, 12]]],
    ['if x < 0:', 'if x <= 0:', [['insert', 6, 6]]],
  ];
  for (const [a, c, expected] of cases) {
    it(`${JSON.stringify(a)} -> ${JSON.stringify(c)}`, () => {
      for (const method of ['auto', 'diagonal', 'bitParallel'] as const) {
        assert.deepEqual(ops(a, c, method), expected, method);
      }
      assert.deepEqual(referenceEditops(cps(a), cps(c)), expected, 'reference');
    });
  }

  it('counts astral characters as one position', () => {
    assert.deepEqual(ops('a😀b', 'a😃b'), [['replace', 1, 1]]);
    assert.deepEqual(ops('😀😀x', '😀😀y'), [['replace', 2, 2]]);
    assert.deepEqual(ops('x', '😀x'), [['insert', 0, 0]]);
  });

  it('handles long similar texts with the diagonal algorithm', () => {
    const base = 'def f(x):\n    return x + 1\n'.repeat(400);
    const changed = base.slice(0, 5000) + '-' + base.slice(5001);
    const al = align(toCodePoints(changed), toCodePoints(base));
    assert.equal(al.method, 'diagonal');
    assert.equal(al.distance, 1);
  });

  it('handles long dissimilar texts with the bit-parallel algorithm, checkpointed or not', () => {
    const a = 'abcdefghij'.repeat(300);
    const c = 'jihgfedcba'.repeat(300);
    const full = align(toCodePoints(a), toCodePoints(c));
    assert.equal(full.method, 'bitParallel');
    const small = align(toCodePoints(a), toCodePoints(c), { maxWords: 1000 });
    assert.equal(small.distance, full.distance);
    assert.deepEqual(toEditops(small), toEditops(full));
    const diag = align(toCodePoints(a.slice(0, 600)), toCodePoints(c.slice(0, 600)), { method: 'diagonal' });
    const bits = align(toCodePoints(a.slice(0, 600)), toCodePoints(c.slice(0, 600)), { method: 'bitParallel' });
    assert.deepEqual(toEditops(diag), toEditops(bits));
    assert.equal(bits.distance, levenshteinDistance(cps(a.slice(0, 600)), cps(c.slice(0, 600))));
  });

  it('handles word boundaries of the bit vectors (lengths around 32 and 64)', () => {
    for (const n of [31, 32, 33, 63, 64, 65]) {
      const a = 'ab'.repeat(n).slice(0, n);
      const c = 'ba'.repeat(n + 1).slice(0, n + 1);
      for (const method of ['diagonal', 'bitParallel'] as const) checkScript(a, c, method);
      assert.deepEqual(ops(a, c, 'bitParallel'), referenceEditops(cps(a), cps(c)));
    }
  });
});

describe('levenshtein alignment: properties', () => {
  const pairArbs: [string, fc.Arbitrary<[string, string]>][] = [
    ['small alphabet', fc.tuple(smallText(), smallText())],
    ['binary unicode', fc.tuple(binaryText(), binaryText())],
    ['graphemes', fc.tuple(graphemeText(), graphemeText())],
    ['similar small-alphabet texts', similarPair(smallText(120))],
    ['similar code-like texts', similarPair(lineText(30), 8)],
  ];
  for (const [name, arb] of pairArbs) {
    it(`is a valid optimal alignment and follows the documented tie-break (${name})`, () => {
      fc.assert(
        fc.property(arb, ([a, c]) => {
          checkScript(a, c);
          const expected = referenceEditops(cps(a), cps(c));
          assert.deepEqual(ops(a, c), expected);
          assert.deepEqual(ops(a, c, 'diagonal'), expected);
          assert.deepEqual(ops(a, c, 'bitParallel'), expected);
          // Checkpointed storage (tiny memory bound) replays the same matrix.
          assert.deepEqual(ops(a, c, 'bitParallel', 8), expected);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('is empty for identical texts', () => {
    fc.assert(
      fc.property(binaryText(60), (a) => {
        assert.deepEqual(ops(a, a), []);
        assert.deepEqual(ops(a, a, 'bitParallel'), []);
      }),
    );
  });
});
