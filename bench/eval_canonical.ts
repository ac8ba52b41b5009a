// The harnesses' sanity check on the full benchmarks (the test suite runs a fixed subset): all 164
// HumanEval+ and all 378 MBPP+ canonical solutions through the sandboxed stage must pass their base
// and plus tests.
//
//   npx tsc -p tsconfig.json && node dist/bench/eval_canonical.js [--cache DIR] [--parallel P] [--batch B]
//
// Expected outputs are cached in --cache (default: a temporary folder, so the first run includes
// computing them: about a minute for MBPP+, whose outputs are 790 MB).

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalSamples, ensureGroundTruth, evaluateSamples, loadBenchmark, resolvePython } from '../evaluation';

function opt(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

async function main(): Promise<void> {
  const parallel = Number(opt('parallel') ?? availableParallelism());
  const batchSize = Number(opt('batch') ?? 64);
  const temp = opt('cache') ? undefined : mkdtempSync(path.join(tmpdir(), 'fait-bench-canonical-'));
  const cacheDir = opt('cache') ?? temp!;
  let ok = true;
  try {
    for (const name of ['humaneval+', 'mbpp+'] as const) {
      const bench = loadBenchmark(name);
      const samples = canonicalSamples(bench);
      let t = Date.now();
      await ensureGroundTruth({ bench, taskIds: bench.problems.map((p) => p.taskId), cacheDir, sandbox: 'bwrap', python: resolvePython(), parallelism: parallel });
      const gtMs = Date.now() - t;
      t = Date.now();
      const { verdicts, score } = await evaluateSamples({ benchmark: name, samples, cacheDir, parallelism: parallel, batchSize });
      const evalMs = Date.now() - t;
      const failed = verdicts.filter((v) => !v.passed);
      const fixed = verdicts.filter((v) => v.base.note || v.plus?.note).map((v) => v.taskId);
      console.log(
        `${name}: ${samples.length} canonical solutions, pass@1 base ${pct(score.base['pass@1'])}, base+plus ${pct(score.plus!['pass@1'])}; ` +
          `expected outputs ${(gtMs / 1000).toFixed(1)} s, evaluation ${(evalMs / 1000).toFixed(1)} s (${parallel} lanes, batches of ${batchSize})`,
      );
      if (fixed.length) console.log(`  passing only under the documented find_zero fix: ${fixed.join(', ')}`);
      for (const v of failed) console.log(`  FAILED ${v.taskId}: ${v.category}: ${v.base.detail ?? ''} ${v.plus?.detail ?? ''}`);
      if (failed.length) ok = false;
    }
    console.log(ok ? 'all canonical solutions pass: PASS' : 'some canonical solutions fail: FAIL');
    if (!ok) process.exitCode = 1;
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
