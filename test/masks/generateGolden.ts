// Generator of test/fixtures/masks-golden.jsonl: hand-written pairs plus deterministic (seeded)
// mutations of small Python programs, each with the maskPair output as "expected".
//
//   npx tsc -p tsconfig.json && node dist/test/masks/generateGolden.js --write
//
// Without --write it does nothing: node --test loads every file under dist/test/, this one too.
// Regenerating changes "expected" only if the masks changed; golden.test.ts exists to catch that,
// so only regenerate on purpose (and re-check the diff by hand). The Python side adds "tokens".

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { maskPair, Segments } from '../../masks';

export interface GoldenCase {
  id: string;
  correct: string;
  incorrect: string;
  segments: Segments;
}

/** Deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const HAND: [string, string, string, Segments][] = [
  ['figure2', 'def last_index(word):\n    return len(word) - 1\n', 'def last_index(word):\n    return len(word) - 2\n', 'all'],
  ['op-le', 'if x <= 0:\n    return 0\n', 'if x < 0:\n    return 0\n', 'all'],
  ['op-lt', 'if x < 0:\n    return 0\n', 'if x <= 0:\n    return 0\n', 'all'],
  ['op-eq', 'return a == b\n', 'return a != b\n', 'all'],
  ['inserted-line', 'a = 1\nb = 2\nc = 3\n', 'a = 1\nc = 3\n', 'all'],
  ['deleted-line', 'a = 1\nc = 3\n', 'a = 1\nb = 2\nc = 3\n', 'all'],
  ['indent', 'def f(x):\n    return x\n', 'def f(x):\n  return x\n', 'all'],
  ['tab-vs-spaces', 'def f(x):\n\treturn x\n', 'def f(x):\n    return x\n', 'all'],
  ['identical', 'x = 1\n\ny = "😀"\n', 'x = 1\n\ny = "😀"\n', 'all'],
  ['different', 'abc\n', 'xyz', 'all'],
  ['different-long', 'print("hello world")\n', 'import os\nos.exit(1)\n', 'all'],
  ['empty-both', '', '', 'all'],
  ['empty-correct', '', 'x\n', 'all'],
  ['empty-incorrect', 'x', '', 'all'],
  ['only-newlines', '\n\n', '\n', 'all'],
  ['crlf-vs-lf', 'a = 1\r\nb = 2\r\n', 'a = 1\nb = 2\n', 'all'],
  ['crlf-both', 'a = 1\r\nb = 2\r\n', 'a = 1\r\nb = 3\r\n', 'all'],
  ['crlf-one-line', 'a = 1\r\nb = 2\n', 'a = 1\nb = 2\n', 'all'],
  ['trailing-newline', 'x = 1\ny = 2\n', 'x = 1\ny = 2', 'all'],
  ['no-trailing-newline', 'x = 1\ny = 2', 'x = 1\ny = 2\n', 'all'],
  ['emoji-cafe', "s = '😀 café'\n", "s = '😃 cafe'\n", 'all'],
  ['emoji-insert', 'print("ok")\n', 'print("ok 👍")\n', 'all'],
  ['zwj-family', 'name = "👨‍👩‍👧"\n', 'name = "👨‍👩‍👦"\n', 'all'],
  ['combining', 'x = "e\u0301"\n', 'x = "é"\n', 'all'],
  ['cjk', '# 计算总和\ntotal = sum(xs)\n', '# 计算平均\ntotal = sum(xs) / len(xs)\n', 'all'],
  ['greek-math', 'area = π * r ** 2\n', 'area = 2 * π * r\n', 'all'],
  ['swap-lines', 'a = 1\nb = 2\n', 'b = 2\na = 1\n', 'all'],
  ['dup-lines', 'x += 1\nx += 1\nreturn x\n', 'x += 1\nreturn x\n', 'all'],
  ['blank-lines', 'def f():\n\n    pass\n\n', 'def f():\n    pass\n', 'all'],
  ['whitespace-only', '   \n\t\n', '  \n\n', 'all'],
  ['comment-change', '# sort ascending\nxs.sort()\n', '# sort descending\nxs.sort(reverse=True)\n', 'all'],
  ['range-off-by-one', 'for i in range(1, n + 1):\n    s += i\n', 'for i in range(1, n):\n    s += i\n', 'all'],
  ['index-off-by-one', 'return xs[len(xs) - 1]\n', 'return xs[len(xs)]\n', 'all'],
  ['rename', 'def f(numbers):\n    return sum(numbers)\n', 'def f(nums):\n    return sum(numbers)\n', 'all'],
  [
    'fenced-code',
    'Here is the fix:\n```python\ndef f(x):\n    return x + 1\n```\nThis adds one.\n',
    'Here is a fix:\n```python\ndef f(x):\n    return x - 1\n```\nThis subtracts one.\n',
    'code',
  ],
  [
    'fenced-all',
    'Here is the fix:\n```python\ndef f(x):\n    return x + 1\n```\nThis adds one.\n',
    'Here is a fix:\n```python\ndef f(x):\n    return x - 1\n```\nThis subtracts one.\n',
    'all',
  ],
  ['fenced-unclosed', 'Sure:\n```python\nx = [1, 2]\nprint(x[0])', 'Sure:\n```python\nx = [1, 2]\nprint(x[2])', 'code'],
  ['fenced-prose-only-diff', 'Answer 😀:\n```\nx = 1\n```\n', 'Reply:\n```\nx = 1\n```\n', 'code'],
  ['fenced-two-blocks', '```\na = 1\n```\nthen\n```py\nb = 2\n```\n', '```\na = 2\n```\nthen\n```py\nb = 3\n```\n', 'code'],
  ['fenced-crlf', 'Fix:\r\n```python\r\nx = 1\r\n```\r\n', 'Fix:\r\n```python\r\nx = 2\r\n```\r\n', 'code'],
  ['no-fence-code-mode', 'x = 1\n', 'x = 2\n', 'code'],
  ['fence-added', '```python\nx = 1\n```\n', 'x = 1\n', 'code'],
];

const PROGRAMS: string[] = [
  `from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True
    return False
`,
  `def below_zero(operations):
    balance = 0
    for op in operations:
        balance += op
        if balance < 0:
            return True
    return False
`,
  `def fib(n: int) -> int:
    if n == 0:
        return 0
    if n == 1:
        return 1
    return fib(n - 1) + fib(n - 2)
`,
  `def is_palindrome(text: str) -> bool:
    for i in range(len(text)):
        if text[i] != text[len(text) - 1 - i]:
            return False
    return True
`,
  `def max_element(l: list):
    m = l[0]
    for e in l:
        if e > m:
            m = e
    return m
`,
  `def count_vowels(s):
    """Count the vowels in s (also 'é' and 'ü')."""
    vowels = "aeiouéü"
    return sum(1 for ch in s.lower() if ch in vowels)
`,
  `def binary_search(xs, target):
    lo, hi = 0, len(xs) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if xs[mid] == target:
            return mid
        elif xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
`,
  `import math


def is_prime(n):
    if n < 2:
        return False
    for k in range(2, int(math.sqrt(n)) + 1):
        if n % k == 0:
            return False
    return True
`,
  `def remove_duplicates(numbers):
    seen = set()
    result = []
    for x in numbers:
        if x not in seen:
            seen.add(x)
            result.append(x)
    return result
`,
  `def greet(name):
    # 👋 friendly greeting
    message = f"Hello, {name}! 😀"
    print(message)
    return len(message)
`,
  `def flatten(nested):
    out = []
    for item in nested:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out
`,
  `def median(l: list):
    l = sorted(l)
    if len(l) % 2 == 1:
        return l[len(l) // 2]
    else:
        return (l[len(l) // 2 - 1] + l[len(l) // 2]) / 2.0
`,
];

type Mutation = (src: string, rnd: () => number) => string | null;

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)];

function replaceNth(src: string, re: RegExp, rnd: () => number, f: (m: string) => string): string | null {
  const hits = [...src.matchAll(re)];
  if (hits.length === 0) return null;
  const h = pick(hits, rnd);
  const at = h.index as number;
  return src.slice(0, at) + f(h[0]) + src.slice(at + h[0].length);
}

const FLIPS: Record<string, string> = { '<=': '<', '>=': '>', '<': '<=', '>': '>=', '==': '!=', '!=': '==', '+': '-', '-': '+', '//': '/', ' and ': ' or ', ' or ': ' and ' };

const MUTATIONS: [string, Mutation][] = [
  ['op-flip', (s, r) => replaceNth(s, /<=|>=|==|!=|\/\/| and | or |(?<![<>=!])[<>](?!=)|(?<=\s)[+-](?=\s)/g, r, (m) => FLIPS[m] ?? m)],
  ['digit', (s, r) => replaceNth(s, /\d/g, r, (m) => String((Number(m) + (r() < 0.5 ? 1 : 9)) % 10))],
  [
    'rename',
    (s, r) => {
      const names = [...new Set([...s.matchAll(/\b(?:for|def) (\w+)/g)].map((x) => x[1]))];
      if (names.length === 0) return null;
      const name = pick(names, r);
      const occ = [...s.matchAll(new RegExp(`\\b${name}\\b`, 'g'))];
      const h = pick(occ, r);
      const at = h.index as number;
      return s.slice(0, at) + name + '_' + s.slice(at + name.length);
    },
  ],
  [
    'delete-line',
    (s, r) => {
      const ls = s.split('\n');
      if (ls.length < 3) return null;
      ls.splice(1 + Math.floor(r() * (ls.length - 2)), 1);
      return ls.join('\n');
    },
  ],
  [
    'insert-line',
    (s, r) => {
      const ls = s.split('\n');
      ls.splice(1 + Math.floor(r() * (ls.length - 1)), 0, pick(['    pass', '        print(x)', '    x = 0', '', '    # TODO ✓'], r));
      return ls.join('\n');
    },
  ],
  [
    'swap-lines',
    (s, r) => {
      const ls = s.split('\n');
      if (ls.length < 4) return null;
      const i = 1 + Math.floor(r() * (ls.length - 3));
      [ls[i], ls[i + 1]] = [ls[i + 1], ls[i]];
      return ls.join('\n');
    },
  ],
  ['indent', (s, r) => replaceNth(s, /\n {8}/g, r, () => '\n    ')],
  [
    'rewrite-lines',
    (s, r) => {
      const ls = s.split('\n');
      if (ls.length < 5) return null;
      const k = 2 + Math.floor(r() * 3);
      const i = 1 + Math.floor(r() * (ls.length - k - 1));
      const repl = ['    result = []', '    for value in data:', '        result.append(value * 2)', '    return sorted(result)', '    raise ValueError("bad input ❌")'];
      ls.splice(i, k, ...repl.slice(0, k));
      return ls.join('\n');
    },
  ],
  ['crlf', (s) => s.replace(/\n/g, '\r\n')],
  ['strip-final-newline', (s) => (s.endsWith('\n') ? s.slice(0, -1) : null)],
  ['return-off-by-one', (s, r) => replaceNth(s, /return [^\n]+/g, r, (m) => m + ' - 1')],
  ['emoji-comment', (s, r) => replaceNth(s, /\n/g, r, () => '  # 🐛 fixme\n')],
];

function wrapFenced(code: string, intro: string, outro: string): string {
  return `${intro}\n\`\`\`python\n${code}\`\`\`\n${outro}\n`;
}

export function buildGoldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const [id, correct, incorrect, segments] of HAND) cases.push({ id: `hand-${id}`, correct, incorrect, segments });
  const rnd = mulberry32(20240611);
  PROGRAMS.forEach((prog, p) => {
    for (const [name, mut] of MUTATIONS) {
      const bad = mut(prog, rnd);
      if (bad === null || bad === prog) continue;
      cases.push({ id: `prog${p}-${name}`, correct: prog, incorrect: bad, segments: 'all' });
    }
    // two mutations at once
    const [n1, m1] = pick(MUTATIONS.slice(0, 8), rnd);
    const [n2, m2] = pick(MUTATIONS.slice(0, 8), rnd);
    const once = m1(prog, rnd);
    const twice = once === null ? null : m2(once, rnd);
    if (twice !== null && twice !== prog) cases.push({ id: `prog${p}-${n1}+${n2}`, correct: prog, incorrect: twice, segments: 'all' });
    // chat-style responses with prose around fenced code, masked both ways
    const bad = MUTATIONS[p % 3][1](prog, rnd);
    if (bad !== null) {
      const c = wrapFenced(prog, 'Here is a solution 🙂:', 'It runs in linear time.');
      const a = wrapFenced(bad, 'Here is my solution:', 'It runs in O(n) time, I think.');
      cases.push({ id: `prog${p}-fenced-code`, correct: c, incorrect: a, segments: 'code' });
      cases.push({ id: `prog${p}-fenced-all`, correct: c, incorrect: a, segments: 'all' });
    }
    // a completely different program
    const other = PROGRAMS[(p + 5) % PROGRAMS.length];
    cases.push({ id: `prog${p}-different`, correct: prog, incorrect: other, segments: 'all' });
  });
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate golden id ${c.id}`);
    ids.add(c.id);
  }
  return cases;
}

export const GOLDEN_PATH = resolve(__dirname, '../../../test/fixtures/masks-golden.jsonl');

/**
 * Writes the fixture. Fields that other tools added to a line (the Python side's "tokens") are
 * kept for the same id; a warning lists the ids whose inputs or masks changed, because such
 * fields are derived from the masks and must then be regenerated too.
 */
export function writeGolden(path: string = GOLDEN_PATH): { count: number; stale: string[] } {
  const previous = new Map<string, Record<string, unknown>>();
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const rec = JSON.parse(line) as Record<string, unknown>;
      previous.set(String(rec.id), rec);
    }
  }
  const stale: string[] = [];
  const out = buildGoldenCases().map((c) => {
    const expected = maskPair(c.correct, c.incorrect, { segments: c.segments });
    const base = { ...c, expected };
    const old = previous.get(c.id);
    if (old === undefined) return JSON.stringify(base);
    const { id: _i, correct: _c, incorrect: _a, segments: _s, expected: oldExpected, ...extra } = old;
    const changed =
      old.correct !== c.correct || old.incorrect !== c.incorrect || old.segments !== c.segments || JSON.stringify(oldExpected) !== JSON.stringify(expected);
    if (changed && Object.keys(extra).length > 0) stale.push(c.id);
    return JSON.stringify({ ...base, ...extra });
  });
  writeFileSync(path, out.join('\n') + '\n');
  return { count: out.length, stale };
}

if (require.main === module && process.argv.includes('--write')) {
  const { count, stale } = writeGolden();
  console.log(`wrote ${count} pairs to ${GOLDEN_PATH}`);
  if (stale.length > 0) console.warn(`masks changed for ${stale.length} lines with extra fields (e.g. "tokens"), regenerate those: ${stale.join(', ')}`);
}
