// Benchmark of the FAIT masks (masks/) against the Python reference a researcher would write
// (bench/masks_reference.py: difflib.SequenceMatcher for lines + Levenshtein.editops for chars).
//
//   npx tsc -p tsconfig.json && node dist/bench/masks.js [--pairs N] [--seconds S] [--big N] [--dump FILE]
//
// Pairs of about 1.8K characters are built from the canonical solutions in ../shared/data (the
// correct side) with deterministic (seeded) incorrect variants of two kinds:
//   (a) one or two small edits: operator flip, off-by-one digit change, renamed variable use;
//   (b) 3-6 consecutive lines replaced by different lines.
// It measures pairs/s on one core (single thread) for ours and for the reference, on the same
// pairs in the same run, checks that both agree (edit distance on every pair, marked characters,
// line masks), and times 110K pairs on 2 cores (2 worker_threads).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { maskPair, PairMask } from '../masks';

interface Pair {
  kind: 'a' | 'b';
  correct: string;
  incorrect: string;
}

const REPO = resolve(__dirname, '../..');
const DATA = resolve(REPO, '../shared/data');
const TARGET_RATIO = 1.5;
const TARGET_SECONDS = 20;

function arg(name: string, def: number): number {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : def;
}

function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function readJsonlGz(file: string): Record<string, unknown>[] {
  const text = gunzipSync(readFileSync(join(DATA, file))).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        // Python's json writes NaN / Infinity / -Infinity (in test inputs, not in the code we
        // read): turn those bare tokens into null.
        return JSON.parse(l.replace(/([:,[]\s*)(?:-?Infinity|NaN)(?=\s*[,\]}])/g, '$1null')) as Record<string, unknown>;
      }
    });
}

function loadPrograms(): string[] {
  const progs: string[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  for (const r of readJsonlGz('HumanEvalPlus-v0.1.10.jsonl.gz')) progs.push(str(r.prompt) + str(r.canonical_solution));
  for (const r of readJsonlGz('MbppPlus-v0.2.0.jsonl.gz')) progs.push(str(r.code) || str(r.canonical_solution));
  for (const r of readJsonlGz('BigCodeBench-v0.1.4.jsonl.gz')) progs.push(str(r.complete_prompt) + str(r.canonical_solution));
  return progs.filter((p) => p.trim().length > 0).map((p) => (p.endsWith('\n') ? p : p + '\n'));
}

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)];

/** About 1.8K characters of code: whole lines of concatenated programs. */
function buildCorrect(progs: string[], rnd: () => number, size = 1800): string {
  const lines: string[] = [];
  let len = 0;
  while (len < size) {
    for (const l of pick(progs, rnd).split(/(?<=\n)/)) {
      if (len >= size) break;
      lines.push(l);
      len += l.length;
    }
    if (len < size) {
      lines.push('\n');
      len += 1;
    }
  }
  return lines.join('');
}

const FLIPS: Record<string, string> = { '==': '!=', '!=': '==', '<=': '<', '>=': '>', '<': '<=', '>': '>=', '+': '-', '-': '+' };
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self print len range'.split(' '),
);

function replaceAt(s: string, at: number, len: number, by: string): string {
  return s.slice(0, at) + by + s.slice(at + len);
}

function smallEdit(s: string, rnd: () => number): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const which = Math.floor(rnd() * 3);
    if (which === 0) {
      const hits = [...s.matchAll(/==|!=|<=|>=|(?<![<>=!-])[<>](?![=>])|(?<= )[+-](?= )/g)];
      if (hits.length === 0) continue;
      const h = pick(hits, rnd);
      return replaceAt(s, h.index as number, h[0].length, FLIPS[h[0]]);
    }
    if (which === 1) {
      const hits = [...s.matchAll(/(?<![\w.])\d+(?![\w.])/g)];
      if (hits.length === 0) continue;
      const h = pick(hits, rnd);
      const v = Number(h[0]);
      return replaceAt(s, h.index as number, h[0].length, String(rnd() < 0.5 || v === 0 ? v + 1 : v - 1));
    }
    const idents = [...s.matchAll(/\b[a-z_][a-z0-9_]*\b/g)].filter((m) => !KEYWORDS.has(m[0]));
    const names = [...new Set(idents.map((m) => m[0]))];
    if (names.length < 2) continue;
    const h = pick(idents, rnd);
    let other = pick(names, rnd);
    if (other === h[0]) other = h[0] + '2';
    return replaceAt(s, h.index as number, h[0].length, other);
  }
  return s.replace(/\n/, ' \n');
}

function rewriteLines(s: string, progs: string[], rnd: () => number): string {
  const lines = s.split(/(?<=\n)/);
  const k = 3 + Math.floor(rnd() * 4);
  const start = Math.floor(rnd() * Math.max(1, lines.length - k));
  let donor = pick(progs, rnd).split(/(?<=\n)/).filter((l) => l.trim() !== '');
  while (donor.length < k) donor = donor.concat(pick(progs, rnd).split(/(?<=\n)/).filter((l) => l.trim() !== ''));
  const from = Math.floor(rnd() * (donor.length - k + 1));
  lines.splice(start, k, ...donor.slice(from, from + k));
  return lines.join('');
}

function buildPairs(count: number): Pair[] {
  const progs = loadPrograms();
  const rnd = mulberry32(1234567);
  const pairs: Pair[] = [];
  for (let t = 0; t < count; t++) {
    const correct = buildCorrect(progs, rnd);
    const kind = t % 2 === 0 ? 'a' : 'b';
    let incorrect: string;
    if (kind === 'a') {
      incorrect = smallEdit(correct, rnd);
      if (rnd() < 0.5) incorrect = smallEdit(incorrect, rnd);
    } else {
      incorrect = rewriteLines(correct, progs, rnd);
    }
    if (incorrect === correct) incorrect = correct + '#\n';
    pairs.push({ kind, correct, incorrect });
  }
  return pairs;
}

/** Pairs per second of `fn` over `items`, repeated for at least `seconds` after a warm-up. */
function rate(items: readonly Pair[], seconds: number, fn: (p: Pair) => unknown): number {
  for (const p of items) fn(p);
  let done = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    for (const p of items) fn(p);
    done += items.length;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return done / elapsed;
}

interface PyResult {
  rates: Record<string, number>;
  outputs: { distance: number; correct: { lineMask: number[]; charSpans: [number, number][] }; incorrect: { lineMask: number[]; charSpans: [number, number][] } }[];
}

function ensurePython(python: string): void {
  const probe = spawnSync(python, ['-c', 'import Levenshtein'], { stdio: 'ignore' });
  if (probe.status === 0) return;
  console.log('installing the Python reference requirements (bench/requirements.txt) ...');
  execFileSync(python, ['-m', 'pip', 'install', '-q', '-r', join(REPO, 'bench/requirements.txt')], { stdio: 'inherit' });
}

function runWorkers(file: string, total: number, workers: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const jobs: Promise<number>[] = [];
  for (let w = 0; w < workers; w++) {
    jobs.push(
      new Promise((ok, fail) => {
        const worker = new Worker(__filename, { workerData: { file, from: w, step: workers, total } });
        worker.once('message', (n: number) => ok(n));
        worker.once('error', fail);
        worker.once('exit', (code) => {
          if (code !== 0) fail(new Error(`worker exited with ${code}`));
        });
      }),
    );
  }
  return Promise.all(jobs).then((counts) => {
    const done = counts.reduce((x, y) => x + y, 0);
    if (done !== total) throw new Error(`workers masked ${done} pairs, expected ${total}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  });
}

function workerMain(): void {
  const { file, from, step, total } = workerData as { file: string; from: number; step: number; total: number };
  const pairs = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Pair);
  let done = 0;
  let sink = 0;
  for (let t = from; t < total; t += step) {
    const p = pairs[t % pairs.length];
    const m = maskPair(p.correct, p.incorrect);
    sink += m.stats.editDistance;
    done++;
  }
  if (sink < 0) console.log(sink);
  parentPort?.postMessage(done);
}

function sameSpans(x: [number, number][], y: [number, number][]): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}

async function main(): Promise<void> {
  const nPairs = arg('pairs', 400);
  const seconds = arg('seconds', 3);
  const big = arg('big', 110_000);
  const python = join(REPO, '.venv/bin/python');
  if (!existsSync(python)) throw new Error(`no Python venv at ${python}; run scripts/bootstrap.sh first`);
  ensurePython(python);

  const pairs = buildPairs(nPairs);
  const dump = process.argv.indexOf('--dump');
  if (dump >= 0) {
    // Only write the pairs (JSONL of {kind, correct, incorrect}) for profiling, then stop.
    writeFileSync(process.argv[dump + 1], pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fait-masks-bench-'));
  try {
    const file = join(dir, 'pairs.jsonl');
    writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const avgLen = pairs.reduce((t, p) => t + p.correct.length, 0) / pairs.length;
    console.log(`${pairs.length} pairs (${pairs.filter((p) => p.kind === 'a').length} of kind a, ${pairs.filter((p) => p.kind === 'b').length} of kind b), mean correct length ${avgLen.toFixed(0)} chars; ${seconds} s per measurement`);

    // Ours, one core (this thread).
    const ours: Record<string, number> = {};
    for (const kind of ['a', 'b'] as const) {
      const items = pairs.filter((p) => p.kind === kind);
      ours[kind] = rate(items, seconds, (p) => maskPair(p.correct, p.incorrect));
    }

    // Reference, one core, same pairs, same run.
    const outFile = join(dir, 'reference.json');
    const py = spawnSync(python, [join(REPO, 'bench/masks_reference.py'), file, outFile, String(seconds)], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (py.status !== 0) throw new Error(`the Python reference failed (exit ${py.status})`);
    const ref = JSON.parse(readFileSync(outFile, 'utf8')) as PyResult;

    // Agreement on every pair.
    let distOk = 0;
    let countsOk = 0;
    let spansOk = 0;
    let linesOk = 0;
    const distBad: number[] = [];
    pairs.forEach((p, k) => {
      const m: PairMask = maskPair(p.correct, p.incorrect);
      const r = ref.outputs[k];
      if (m.stats.editDistance === r.distance) distOk++;
      else distBad.push(k);
      const rc = r.correct.charSpans.reduce((t, s) => t + s[1] - s[0], 0);
      const ra = r.incorrect.charSpans.reduce((t, s) => t + s[1] - s[0], 0);
      if (m.stats.markedCharsCorrect === rc && m.stats.markedCharsIncorrect === ra) countsOk++;
      if (sameSpans(m.correct.charSpans, r.correct.charSpans) && sameSpans(m.incorrect.charSpans, r.incorrect.charSpans)) spansOk++;
      if (JSON.stringify(m.correct.lineMask) === JSON.stringify(r.correct.lineMask) && JSON.stringify(m.incorrect.lineMask) === JSON.stringify(r.incorrect.lineMask)) linesOk++;
    });

    // 110K pairs on 2 cores.
    const wall = await runWorkers(file, big, 2);

    const pad = (s: string, n: number) => s.padEnd(n);
    const rows: string[][] = [['kind', 'ours pairs/s (1 core)', 'reference pairs/s (1 core)', 'ratio', 'target', 'ok']];
    for (const [kind, label] of [['a', '(a) 1-2 small edits'], ['b', '(b) 3-6 rewritten lines']] as const) {
      const ratio = ours[kind] / ref.rates[kind];
      rows.push([label, ours[kind].toFixed(0), ref.rates[kind].toFixed(0), `${ratio.toFixed(2)}x`, `${TARGET_RATIO}x`, ratio >= TARGET_RATIO ? 'PASS' : 'FAIL']);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)) + 2);
    console.log('');
    for (const r of rows) console.log(r.map((cell, c) => pad(cell, widths[c])).join('').trimEnd());
    console.log('');
    console.log(`${big} pairs on 2 cores (2 worker_threads): ${wall.toFixed(2)} s wall, ${(big / wall).toFixed(0)} pairs/s (target < ${TARGET_SECONDS} s) ${wall < TARGET_SECONDS ? 'PASS' : 'FAIL'}`);
    console.log('');
    console.log(`agreement with the reference on ${pairs.length} pairs:`);
    console.log(`  edit distance equal:                  ${distOk}/${pairs.length}${distBad.length ? ` (differs: ${distBad.slice(0, 10).join(', ')})` : ''}`);
    console.log(`  marked char counts equal (both sides): ${countsOk}/${pairs.length}`);
    console.log(`  marked char spans identical:           ${spansOk}/${pairs.length}`);
    console.log(`  line masks identical (vs difflib):     ${linesOk}/${pairs.length}`);
    if (distOk !== pairs.length) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  workerMain();
}
