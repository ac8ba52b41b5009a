/**
 * The harnesses' own sanity check through our stage: every canonical solution passes its base and
 * plus tests. On 2 cores the whole of HumanEval+ and MBPP+ takes minutes (MBPP+'s expected outputs
 * alone are 790 MB), so the suite checks a fixed subset: every 3rd HumanEval+ task and every 4th
 * MBPP+ task in file order, plus HumanEval/32 (find_zero, which evalplus 0.3.1 itself fails), less
 * the slowest tasks listed below. `node dist/bench/eval_canonical.js` runs all 164 + 378.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalSamples, evaluateBatch, loadBenchmark, scoreVerdicts } from '../../evaluation';
import { CACHE_DIR, cannotEvaluate } from './helpers';

/** Over a second each for their canonical solution on this class of machine. */
const SLOW = new Set([
  'HumanEval/15', 'HumanEval/36', 'HumanEval/59', 'HumanEval/83', 'HumanEval/94', 'HumanEval/130', 'HumanEval/139',
  'Mbpp/84', 'Mbpp/123', 'Mbpp/255', 'Mbpp/271', 'Mbpp/300', 'Mbpp/389', 'Mbpp/392', 'Mbpp/583', 'Mbpp/589', 'Mbpp/592',
  'Mbpp/599', 'Mbpp/603', 'Mbpp/630',
]);

function canonicalSubset(name: 'humaneval+' | 'mbpp+'): string[] {
  const b = loadBenchmark(name);
  const step = name === 'humaneval+' ? 3 : 4;
  const ids = b.problems.filter((p) => p.index % step === 0).map((p) => p.taskId);
  if (name === 'humaneval+') ids.push('HumanEval/32');
  return ids.filter((id) => !SLOW.has(id));
}

describe('canonical solutions', { skip: cannotEvaluate() }, () => {
  for (const name of ['humaneval+', 'mbpp+'] as const) {
    it(`${name}: all pass, base and plus (fixed subset)`, { timeout: 600_000 }, async () => {
      const bench = loadBenchmark(name);
      const ids = canonicalSubset(name);
      assert.ok(ids.length >= (name === 'humaneval+' ? 50 : 80));
      const verdicts = await evaluateBatch({ benchmark: name, samples: canonicalSamples(bench, ids), cacheDir: CACHE_DIR });
      const failed = verdicts.filter((v) => !v.passed).map((v) => `${v.taskId}: ${v.category} ${v.base.detail ?? v.plus?.detail}`);
      assert.deepEqual(failed, []);
      const score = scoreVerdicts(bench.spec, verdicts);
      assert.deepEqual([score.base['pass@1'], score.plus!['pass@1']], [1, 1]);
      if (name === 'humaneval+') {
        const fz = verdicts.find((v) => v.taskId === 'HumanEval/32')!;
        assert.equal(fz.base.harnessStatus, 'fail');
        assert.match(fz.base.note ?? '', /find_zero/);
      }
    });
  }

  it('humaneval (base tests only) runs no plus tests', { timeout: 120_000 }, async () => {
    const bench = loadBenchmark('humaneval');
    const verdicts = await evaluateBatch({ benchmark: 'humaneval', samples: canonicalSamples(bench, ['HumanEval/0', 'HumanEval/2']), cacheDir: CACHE_DIR });
    assert.ok(verdicts.every((v) => v.passed && v.plus === undefined));
  });
});
