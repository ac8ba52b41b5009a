/**
 * BigCodeBench through bigcodebench's own local execution in the sandbox. This venv has only the
 * libraries the harness itself needs (numpy, matplotlib), so a task built on pandas or scikit-learn
 * must come out as missing_library naming the module, not as a failure of the solution.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { canonicalSamples, evaluateBatch, loadBenchmark, scoreVerdicts } from '../../evaluation';
import { CACHE_DIR, cannotEvaluate } from './helpers';

const python = path.resolve(__dirname, '../../../.venv/bin/python');
const importable = (m: string) => spawnSync(python, ['-c', `import ${m}`]).status === 0;

describe('bigcodebench', { skip: cannotEvaluate('bigcodebench') }, () => {
  it('reports a task whose libraries are not installed as missing_library', { timeout: 300_000 }, async () => {
    const bench = loadBenchmark('bigcodebench');
    // BigCodeBench/9 uses pandas and seaborn, BigCodeBench/29 scikit-learn.
    const lacking = ['BigCodeBench/9', 'BigCodeBench/29'].filter((id) => bench.byId.get(id)!.libs!.some((l) => !importable(l)));
    assert.ok(lacking.length > 0, 'every library is installed; pick tasks with libraries this venv lacks');
    const ids = ['BigCodeBench/1', 'BigCodeBench/5', ...lacking];
    const samples = canonicalSamples(bench, ids);
    samples.push({ taskId: 'BigCodeBench/1', program: 'def task_func(:\n    pass\n' });
    samples.push({ taskId: 'BigCodeBench/1', program: 'def task_func(*args, **kwargs):\n    return None\n' });
    const v = await evaluateBatch({ benchmark: 'bigcodebench', samples, cacheDir: CACHE_DIR });

    assert.deepEqual(v.slice(0, 2).map((x) => [x.taskId, x.passed]), [
      ['BigCodeBench/1', true],
      ['BigCodeBench/5', true],
    ]);
    for (const x of v.slice(2, 2 + lacking.length)) {
      assert.equal(x.passed, false);
      assert.equal(x.category, 'missing_library', `${x.taskId}: ${x.base.detail}`);
      assert.ok(bench.byId.get(x.taskId)!.libs!.includes(x.module!), `${x.module} is not among the task's libraries`);
    }
    const [syntax, wrong] = v.slice(2 + lacking.length);
    assert.equal(syntax.category, 'syntax_error');
    assert.ok(wrong.category === 'wrong_answer' || wrong.category === 'exception', String(wrong.category));

    const score = scoreVerdicts(bench.spec, v);
    assert.equal(score.excluded.samples, lacking.length);
    assert.equal(score.base['pass@1'], 2 / 3); // BigCodeBench/1: 1 of 3 samples; /5: 1 of 1
  });

  it('reads BigCodeBench-Hard from its own file', { timeout: 300_000 }, async () => {
    const bench = loadBenchmark('bigcodebench-hard');
    const v = await evaluateBatch({ benchmark: 'bigcodebench-hard', samples: canonicalSamples(bench, ['BigCodeBench/37']), cacheDir: CACHE_DIR });
    assert.equal(v[0].category, 'missing_library');
    assert.ok(['pandas', 'sklearn', 'seaborn'].includes(v[0].module!), String(v[0].module)); // what its code imports first
  });
});
