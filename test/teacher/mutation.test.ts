/** The offline mutation teacher: one small fault per variant, at parsed node positions, deterministic per seed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  MUTATION_KINDS,
  Mutation,
  MutationKind,
  applyEdit,
  enumerateMutations,
  mutateResponse,
  mutateVerified,
  pythonBlocks,
} from '../../teacher/mutation';
import { hasSyntaxErrors, parsePython } from '../../teacher/mutation/syntax';

function md(code: string, prose = 'Here is the solution.'): string {
  return `${prose}\n\n\`\`\`python\n${code}\`\`\`\n\nIt runs in linear time.\n`;
}

/** All acceptable variants of one kind, as [before, after] pairs of the recorded mutation. */
function pairs(response: string, kind: MutationKind): [string, string][] {
  const result = enumerateMutations(response, [kind]);
  if (!result.ok) return [];
  return result.variants.map((v) => [v.mutation.before, v.mutation.after]);
}

function afters(response: string, kind: MutationKind): string[] {
  return pairs(response, kind).map(([, after]) => after);
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/**
 * The variant differs from the original only inside the recorded edit: same text before
 * `edit.from` and after `edit.to`, and the inserted text in between. Checked independently of the
 * edit too, via the longest common prefix and suffix.
 */
function assertOnlyEditChanged(original: string, incorrect: string, mutation: Mutation): void {
  const { from, to, insert } = mutation.edit;
  assert.notEqual(incorrect, original);
  assert.equal(incorrect, applyEdit(original, mutation.edit));
  assert.equal(incorrect.slice(0, from), original.slice(0, from));
  assert.equal(incorrect.slice(from + insert.length), original.slice(to));
  // However the (possibly ambiguous) minimal diff is aligned, it lies within the edit.
  const common = Math.min(original.length, incorrect.length);
  let prefix = 0;
  while (prefix < common && original[prefix] === incorrect[prefix]) prefix++;
  let suffix = 0;
  while (suffix < common && original[original.length - 1 - suffix] === incorrect[incorrect.length - 1 - suffix]) suffix++;
  assert.ok(prefix >= from, `change starts at ${prefix}, before the edit at ${from}`);
  assert.ok(original.length - suffix <= to, `change ends at ${original.length - suffix}, after the edit end ${to}`);
  // before/after are the same region of the original and the variant.
  const at = original.lastIndexOf(mutation.before, from);
  assert.ok(at >= 0 && at <= from && at + mutation.before.length >= to, 'before is the text around the edit');
  assert.equal(incorrect.slice(at, at + mutation.after.length), mutation.after);
  assert.equal(mutation.line, lineOf(original, from));
}

function assertParses(response: string): void {
  for (const block of pythonBlocks(response)) {
    assert.ok(!hasSyntaxErrors(parsePython(response.slice(block.from, block.to))), `does not parse:\n${response}`);
  }
}

const RICH = md(
  [
    'def summarize(xs, target):',
    '    if not xs:',
    '        return None',
    '    total = 0',
    '    best = float("inf")',
    '    seen = []',
    '    for i in range(len(xs)):',
    '        if xs[i] == target and i != 0:',
    '            continue',
    '        if xs[i] < best or xs[i] is None:',
    '            best = xs[i]',
    '        total += xs[i]',
    '        seen.append(xs[i])',
    '    last = xs[len(xs) - 1]',
    '    q, r = divmod(total, len(xs))',
    '    return total',
    '',
  ].join('\n'),
);

describe('mutation kinds', () => {
  test('off-by-one: range bounds', () => {
    const loop = (r: string) => md(`def f(n):\n    total = 0\n    for i in ${r}:\n        total += i\n    return total\n`);
    assert.deepEqual(afters(loop('range(n)'), 'off-by-one').sort(), ['range(1, n)', 'range(n + 1)', 'range(n - 1)']);
    assert.deepEqual(afters(loop('range(1, n + 1)'), 'off-by-one').sort(), [
      'range(0, n + 1)',
      'range(1, n + 2)',
      'range(1, n)',
      'range(2, n + 1)',
    ]);
    assert.deepEqual(afters(loop('range(0, n)'), 'off-by-one').sort(), ['range(0, n + 1)', 'range(0, n - 1)', 'range(1, n)']);
    assert.deepEqual(afters(loop('range(n - 1, -1, -1)'), 'off-by-one').sort(), [
      'range(n - 1, -2, -1)',
      'range(n - 1, 0, -1)',
      'range(n - 2, -1, -1)',
      'range(n, -1, -1)',
    ]);
    // Low-precedence bounds are parenthesised; the result still means "one less".
    assert.ok(afters(loop('range(a if a else b)'), 'off-by-one').includes('range((a if a else b) - 1)'));
  });

  test('off-by-one: subscripts, slices and len(x) - 1', () => {
    const code = (body: string) => md(`def f(xs, i, counts, ch):\n    ${body}\n`);
    assert.deepEqual(afters(code('return xs[i]'), 'off-by-one').sort(), ['xs[i + 1]', 'xs[i - 1]']);
    assert.deepEqual(afters(code('return xs[0]'), 'off-by-one'), ['xs[1]']);
    assert.deepEqual(afters(code('return xs[-1]'), 'off-by-one'), ['xs[-2]']);
    assert.deepEqual(afters(code('return xs[i + 1]'), 'off-by-one').sort(), ['xs[i + 2]', 'xs[i]']);
    assert.deepEqual(afters(code('return xs[1:i]'), 'off-by-one').sort(), ['xs[0:i]', 'xs[1:i + 1]', 'xs[1:i - 1]', 'xs[2:i]']);
    assert.deepEqual(afters(code('last = len(xs) - 1\n    return last'), 'off-by-one'), ['len(xs)']);
    // A dict keyed by a non-integer, and type annotations, are not indices.
    assert.deepEqual(afters(code('return counts[ch]'), 'off-by-one'), []);
    assert.deepEqual(afters(md('def f(xs: list[int]) -> dict[str, int]:\n    return {}\n'), 'off-by-one'), []);
  });

  test('comparison flips', () => {
    const cond = (c: string) => md(`def f(a, b):\n    if ${c}:\n        return 1\n    return 2\n`);
    const cases: [string, string][] = [
      ['a < b', 'a <= b'],
      ['a <= b', 'a < b'],
      ['a > b', 'a >= b'],
      ['a >= b', 'a > b'],
      ['a == b', 'a != b'],
      ['a != b', 'a == b'],
      ['a in b', 'a not in b'],
      ['a not in b', 'a in b'],
      ['a is None', 'a is not None'],
      ['a is not None', 'a is None'],
    ];
    for (const [before, after] of cases) assert.deepEqual(pairs(cond(before), 'comparison-flip'), [[before, after]], before);
    // Chained comparisons: each operator on its own.
    assert.deepEqual(afters(cond('0 <= a < b'), 'comparison-flip').sort(), ['0 < a', '0 <= a <= b']);
  });

  test('boolean flips: and <-> or, dropping a not', () => {
    const cond = (c: string) => md(`def f(a, b):\n    return ${c}\n`);
    assert.deepEqual(pairs(cond('a and b'), 'boolean-flip'), [['a and b', 'a or b']]);
    assert.deepEqual(pairs(cond('a or b'), 'boolean-flip'), [['a or b', 'a and b']]);
    assert.deepEqual(pairs(cond('not a'), 'boolean-flip'), [['not a', 'a']]);
    assert.deepEqual(pairs(cond('not(a)'), 'boolean-flip'), [['not(a)', '(a)']]);
    // `not in` / `is not` are comparisons, not boolean negations.
    assert.deepEqual(pairs(cond('a not in b'), 'boolean-flip'), []);
  });

  test('wrong initial value of an accumulator', () => {
    const acc = (init: string, update: string) => md(`def f(xs):\n    acc = ${init}\n    for x in xs:\n        ${update}\n    return acc\n`);
    const cases: [string, string, string][] = [
      ['0', 'acc += x', '1'],
      ['1', 'acc *= x', '0'],
      ['-1', 'acc = max(acc, x)', '0'],
      ["''", 'acc += x', "' '"],
      ['""', 'acc += x', '" "'],
      ['[]', 'acc.append(x)', 'None'],
      ['None', 'acc = x', '0'],
      ['False', 'acc = True', 'True'],
      ["float('inf')", 'acc = min(acc, x)', '0'],
      ['float("-inf")', 'acc = max(acc, x)', '0'],
    ];
    for (const [init, update, wrong] of cases) {
      assert.deepEqual(pairs(acc(init, update), 'wrong-initial-value'), [[`acc = ${init}`, `acc = ${wrong}`]], init);
    }
    // Tuple assignments, annotated assignments, subscript updates.
    assert.deepEqual(
      pairs(md('def f(xs):\n    lo, hi = 0, len(xs)\n    while lo < hi:\n        lo += 1\n    return lo\n'), 'wrong-initial-value'),
      [['lo, hi = 0, len(xs)', 'lo, hi = 1, len(xs)']],
    );
    assert.deepEqual(afters(md('def f(n):\n    count: int = 0\n    for _ in range(n):\n        count += 1\n    return count\n'), 'wrong-initial-value'), [
      'count: int = 1',
    ]);
    // A constant that is never updated is not an accumulator.
    assert.deepEqual(pairs(md('def f(xs):\n    limit = 0\n    return [x for x in xs if x > limit]\n'), 'wrong-initial-value'), []);
  });

  test('swapped arguments of calls with two or more positional arguments', () => {
    assert.deepEqual(pairs(md('def f(a, b):\n    return divmod(a, b)\n'), 'swapped-arguments'), [['divmod(a, b)', 'divmod(b, a)']]);
    assert.deepEqual(afters(md('def f(a, b, c):\n    return g(a, b, c)\n'), 'swapped-arguments').sort(), ['g(a, c, b)', 'g(b, a, c)']);
    assert.deepEqual(afters(md('def f(s):\n    return s.replace("a", "b", 1)\n'), 'swapped-arguments').sort(), [
      's.replace("a", 1, "b")',
      's.replace("b", "a", 1)',
    ]);
    // Keyword arguments stay; order-insensitive calls and identical arguments are skipped.
    assert.deepEqual(afters(md('def f(a, b):\n    return sorted(a, key=b)\n'), 'swapped-arguments'), []);
    assert.deepEqual(afters(md('def f(a, b):\n    return max(a, b) + pow(a, a)\n'), 'swapped-arguments'), []);
  });

  test('wrong return variable: another variable bound earlier in the function', () => {
    const code = md('def f(xs):\n    total = 0\n    count = 0\n    for x in xs:\n        total += x\n        count += 1\n    return total\n');
    assert.deepEqual(pairs(code, 'wrong-return-variable'), [['return total', 'return count']]);
    // With nothing assigned, parameters (and loop variables) are the candidates.
    assert.deepEqual(afters(md('def f(a, b):\n    return a\n'), 'wrong-return-variable'), ['return b']);
    // Names bound after the return, nested functions and other scopes are not candidates.
    assert.deepEqual(afters(md('def f(a):\n    def g():\n        pass\n    return a\n'), 'wrong-return-variable'), []);
  });

  test('removed edge-case branch: a single early exit, removed with its lines', () => {
    const code = 'def f(xs):\n    if not xs:\n        return 0\n    return xs[0]\n';
    const response = md(code);
    const result = mutateResponse(response, { kinds: ['removed-edge-case'] });
    assert.ok(result.ok);
    assert.equal(result.mutation.before, '    if not xs:\n        return 0\n');
    assert.equal(result.mutation.after, '');
    assert.equal(result.mutation.line, 5);
    assert.equal(result.incorrect, md('def f(xs):\n    return xs[0]\n'));
    assertOnlyEditChanged(response, result.incorrect, result.mutation);
    for (const exit of ['raise ValueError("empty")', 'continue']) {
      const loop = md(`def f(xs):\n    for x in xs:\n        if x < 0:  # skip\n            ${exit}\n        print(x)\n`);
      const r = mutateResponse(loop, { kinds: ['removed-edge-case'] });
      assert.ok(r.ok, exit);
      assert.equal(r.incorrect, md('def f(xs):\n    for x in xs:\n        print(x)\n'));
    }
    // Not removed: an if with else/elif, a body that does more than exit, the only statement of a block.
    const kept = [
      'def f(x):\n    if x:\n        return 1\n    else:\n        return 2\n',
      'def f(x):\n    if x:\n        x += 1\n        return x\n    return 0\n',
      'def f(x):\n    for y in x:\n        if y:\n            continue\n',
    ];
    for (const k of kept) assert.deepEqual(afters(md(k), 'removed-edge-case'), [], k);
  });
});

describe('mutation teacher', () => {
  test('only the edited characters change, and every variant parses', () => {
    const result = enumerateMutations(RICH);
    assert.ok(result.ok);
    const kinds = new Set(result.variants.map((v) => v.mutation.kind));
    assert.deepEqual([...kinds].sort(), [...MUTATION_KINDS].sort());
    for (const { incorrect, mutation } of result.variants) {
      assertOnlyEditChanged(RICH, incorrect, mutation);
      assertParses(incorrect);
    }
  });

  test('exact variant for a seed, and the same (response, seed) always gives the same variant', () => {
    const a = mutateResponse(RICH, { seed: 0 });
    const b = mutateResponse(RICH, { seed: 0 });
    assert.deepEqual(a, b);
    assert.ok(a.ok);
    assertOnlyEditChanged(RICH, a.incorrect, a.mutation);
    // The seed may be given as a number; variant k uses seed + k.
    assert.deepEqual(mutateResponse(RICH, 7), mutateResponse(RICH, { seed: 7 }));
    assert.deepEqual(mutateResponse(RICH, { seed: 3, variant: 4 }), mutateResponse(RICH, { seed: 7 }));
    const c = mutateResponse(RICH, { seed: 7 });
    assert.ok(c.ok);
    assert.equal(c.seed, 7);
    // Seeds beyond 32 bits and negative seeds are valid; fractional seeds are not.
    assert.ok(mutateResponse(RICH, 2 ** 40 + 1).ok);
    assert.ok(mutateResponse(RICH, -5).ok);
    assert.throws(() => mutateResponse(RICH, 0.5), RangeError);
  });

  test('different seeds reach different kinds and sites', () => {
    const kinds = new Set<string>();
    const variants = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const r = mutateResponse(RICH, seed);
      assert.ok(r.ok);
      kinds.add(r.mutation.kind);
      variants.add(r.incorrect);
    }
    assert.deepEqual([...kinds].sort(), [...MUTATION_KINDS].sort());
    assert.ok(variants.size >= 30, `only ${variants.size} distinct variants`);
  });

  test('property: any snippet and seed gives a one-edit variant that parses, deterministically', () => {
    const snippets = [
      RICH,
      md('def mid(lo, hi):\n    while lo < hi:\n        m = (lo + hi) // 2\n        hi = m\n    return lo\n'),
      md('def f(s):\n    out = ""\n    for ch in s:\n        if ch.isalpha() or ch == "_":\n            out += ch\n    return out\n'),
      md('def pairs(xs):\n    return [(xs[i], xs[i + 1]) for i in range(len(xs) - 1) if xs[i] <= xs[i + 1]]\n'),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...snippets), fc.integer({ min: -1000, max: 1_000_000 }), (response, seed) => {
        const r = mutateResponse(response, seed);
        assert.ok(r.ok);
        assertOnlyEditChanged(response, r.incorrect, r.mutation);
        assertParses(r.incorrect);
        assert.deepEqual(mutateResponse(response, seed), r);
      }),
      { numRuns: 200 },
    );
  });

  test('markdown with prose and several code blocks: only Python code is edited, lines count in the response', () => {
    const response = [
      'First, a helper; note that `i < n` in prose is never touched.',
      '',
      '```python',
      'def helper(xs):',
      '    return xs[0] < xs[1]',
      '```',
      '',
      'A shell example, left alone:',
      '',
      '```bash',
      'if [ 1 < 2 ]; then echo ok; fi',
      '```',
      '',
      'Then the main function:',
      '',
      '```py',
      'def main(xs):',
      '    total = 0',
      '    for x in xs:',
      '        total += x',
      '    return total',
      '```',
      '',
    ].join('\n');
    const blocks = pythonBlocks(response);
    assert.equal(blocks.length, 2);
    const touched = new Set<number>();
    for (let seed = 0; seed < 100; seed++) {
      const r = mutateResponse(response, seed);
      assert.ok(r.ok);
      assertOnlyEditChanged(response, r.incorrect, r.mutation);
      const block = blocks.findIndex((b) => r.mutation.edit.from >= b.from && r.mutation.edit.to <= b.to);
      assert.ok(block >= 0, 'edit inside a python block');
      touched.add(block);
      assert.ok(r.mutation.line === 5 || (r.mutation.line >= 17 && r.mutation.line <= 21), `line ${r.mutation.line}`);
    }
    assert.deepEqual([...touched].sort(), [0, 1]);
  });

  test('a response without Python code, or with no applicable site, has no mutation, with a reason', () => {
    const none = mutateResponse('Use a loop and compare i < n, then return the total.');
    assert.equal(none.ok, false);
    assert.ok(!none.ok && none.code === 'no-code' && /no applicable mutation.*no ```python code block/.test(none.reason));
    const other = mutateResponse('```js\nif (a < b) return 1;\n```\n');
    assert.ok(!other.ok && other.code === 'no-code');
    const empty = mutateResponse('```python\n```\n');
    assert.ok(!empty.ok && empty.code === 'no-code');
    const broken = mutateResponse(md('def f(x:\n    return x < 1\n'));
    assert.ok(!broken.ok && broken.code === 'unparsable-code', JSON.stringify(broken));
    const plain = mutateResponse(md('print("hello")\n'));
    assert.ok(!plain.ok && plain.code === 'no-sites' && /no applicable mutation/.test(plain.reason));
    const kinds = mutateResponse(md('def f(a, b):\n    return a < b\n'), { kinds: ['swapped-arguments'] });
    assert.ok(!kinds.ok && kinds.code === 'no-sites' && /swapped-arguments/.test(kinds.reason));
  });

  test('non-ASCII text (accents, Greek, CJK, emoji) and CRLF line ends are preserved', () => {
    const response = md(
      '# Grüße, 東京 🚀\ndef greet(names):\n    out = []\n    for i in range(len(names)):\n        if names[i] != "café":\n            out.append("γειά " + names[i])\n    return out\n',
      'Voilà — «naïve» résumé 😀.',
    );
    for (let seed = 0; seed < 50; seed++) {
      const r = mutateResponse(response, seed);
      assert.ok(r.ok);
      assertOnlyEditChanged(response, r.incorrect, r.mutation);
      for (const s of ['Grüße, 東京 🚀', '"café"', '"γειά "', 'Voilà — «naïve» résumé 😀.']) assert.ok(r.incorrect.includes(s));
    }
    const crlf = response.replace(/\n/g, '\r\n');
    for (let seed = 0; seed < 50; seed++) {
      const r = mutateResponse(crlf, seed);
      assert.ok(r.ok);
      assertOnlyEditChanged(crlf, r.incorrect, r.mutation);
      assert.ok(!/[^\r]\n/.test(r.incorrect), 'every line still ends with CRLF');
    }
  });

  test('exclude: a rejected variant is not produced again; when all are excluded, the teacher says so', () => {
    const response = md('def f(a, b):\n    if a == b:\n        return 0\n    return a < b\n');
    const first = mutateResponse(response);
    assert.ok(first.ok);
    const second = mutateResponse(response, { exclude: [first.incorrect] });
    assert.ok(second.ok);
    assert.notEqual(second.incorrect, first.incorrect);
    const all = enumerateMutations(response);
    assert.ok(all.ok);
    const exhausted = mutateResponse(response, { exclude: all.variants.map((v) => v.incorrect) });
    assert.ok(!exhausted.ok && exhausted.code === 'exhausted', JSON.stringify(exhausted));
  });

  test('verified-incorrect: re-asks with seed + k until the check accepts, deterministically', async () => {
    const seen: string[] = [];
    const result = await mutateVerified(RICH, {
      seed: 10,
      attempts: 5,
      isIncorrect: (incorrect) => {
        seen.push(incorrect);
        return seen.length === 3;
      },
    });
    assert.ok(result.ok);
    assert.equal(result.attempts, 3);
    assert.equal(result.seed, 12);
    assert.equal(new Set(seen).size, 3, 'each attempt is a new variant');
    assert.equal(seen[0], (mutateResponse(RICH, 10) as { incorrect: string }).incorrect);
    assert.equal(result.incorrect, seen[2]);
    const again = await mutateVerified(RICH, { seed: 10, attempts: 5, isIncorrect: async (v) => v === seen[2] });
    assert.deepEqual(again, result);

    const never = await mutateVerified(RICH, { seed: 10, attempts: 4, isIncorrect: () => false });
    assert.ok(!never.ok);
    assert.equal(never.attempts, 4);
    assert.match(never.reason, /none of 4 variant\(s\) was verified incorrect/);
    assert.equal(never.unverified?.incorrect, seen[0]);

    const tiny = md('def f(a, b):\n    return a < b\n');
    const total = (enumerateMutations(tiny) as { variants: unknown[] }).variants.length;
    const short = await mutateVerified(tiny, { attempts: 50, isIncorrect: () => false });
    assert.ok(!short.ok);
    assert.equal(short.attempts, total, 'stops when every variant has been tried');
    const nothing = await mutateVerified('no code here', { isIncorrect: () => true });
    assert.ok(!nothing.ok && nothing.attempts === 0 && nothing.unverified === null && /no applicable mutation/.test(nothing.reason));
  });
});
