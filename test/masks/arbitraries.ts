// fast-check arbitraries shared by the property tests (no tests here).
import fc from 'fast-check';

/** Few distinct characters, so that alignments have many ties; includes newline, CR, é, emoji. */
export const smallAlphabet = fc.constantFrom('a', 'b', 'c', '\n', '\r', 'é', '😀', ' ');

export const smallText = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: smallAlphabet, maxLength });

/** Any code points (astral included, no lone surrogates). */
export const binaryText = (maxLength = 30): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });

/** Printable graphemes (multi-code-point ones included). */
export const graphemeText = (maxLength = 20): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength });

const codeLines = [
  'def f(x):\n',
  '    return x + 1\n',
  '    return x - 1\n',
  '    if x < 0:\n',
  '    if x <= 0:\n',
  '\n',
  '    for i in range(len(x)):\n',
  '        total += x[i]\n',
  '# café ☕\n',
  '    s = "😀"\n',
  '```python\n',
  '```\n',
  'Here is the code:\n',
  '    pass\r\n',
];

/** Texts made of a few code-like lines (many repeated lines), optionally without final newline. */
export const lineText = (maxLines = 12): fc.Arbitrary<string> =>
  fc
    .tuple(fc.array(fc.constantFrom(...codeLines), { maxLength: maxLines }), fc.boolean())
    .map(([ls, chop]) => {
      const t = ls.join('');
      return chop && t.endsWith('\n') ? t.slice(0, -1) : t;
    });

type Edit = { kind: 'ins' | 'del' | 'sub'; at: number; ch: string };
const editArb: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('ins' as const, 'del' as const, 'sub' as const),
  at: fc.nat(),
  ch: fc.constantFrom('a', 'x', '\n', 'é', '😀', '='),
});

/** Applies edits at positions taken modulo the current length (in code points). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const arr = Array.from(text);
  for (const e of edits) {
    if (e.kind === 'ins') arr.splice(e.at % (arr.length + 1), 0, e.ch);
    else if (arr.length > 0 && e.kind === 'del') arr.splice(e.at % arr.length, 1);
    else if (arr.length > 0) arr[e.at % arr.length] = e.ch;
  }
  return arr.join('');
}

/** A pair of similar texts: a base and a few random edits of it; [correct, incorrect]. */
export const similarPair = (base: fc.Arbitrary<string>, maxEdits = 6): fc.Arbitrary<[string, string]> =>
  fc.tuple(base, fc.array(editArb, { maxLength: maxEdits }), fc.boolean()).map(([t, edits, flip]) => {
    const other = applyEdits(t, edits);
    return flip ? [t, other] : [other, t];
  });
