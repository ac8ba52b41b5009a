/**
 * BigCodeBench through bigcodebench's own local execution in the sandbox. This venv has only the
 * libraries the harness itself needs (numpy, matplotlib, psutil), so a task built on pandas or
 * scikit-learn must come out as missing_library naming the module: a failure, as in bigcodebench,
 * unless excludeMissingLibraries is asked for. Canonical solutions of tasks whose libraries are
 * installed pass, the ones that start subprocesses included.
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
    // Fetches a URL first: the sandbox has no network.
    samples.push({
      taskId: 'BigCodeBench/5',
      program:
        samples[1].program +
        '\nimport urllib.request\n_orig = task_func\ndef task_func(*a, **k):\n    urllib.request.urlopen("http://example.com/", timeout=5)\n    return _orig(*a, **k)\n',
    });
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
    const [syntax, wrong, online] = v.slice(2 + lacking.length);
    assert.equal(syntax.category, 'syntax_error');
    assert.ok(wrong.category === 'wrong_answer' || wrong.category === 'exception', String(wrong.category));
    assert.equal(online.category, 'needs_network', String(online.base.detail));

    // BigCodeBench/1: 1 of 3 samples pass; /5: 1 of 2; the tasks that lack a library: 0 of 1 each.
    const score = scoreVerdicts(bench.spec, v);
    assert.equal(score.tasks, 2 + lacking.length);
    assert.equal(score.excluded.samples, 0);
    assert.equal(score.categories.missing_library, lacking.length);
    assert.deepEqual(score.needsNetwork, ['BigCodeBench/5']);
    assert.equal(score.base['pass@1'], (1 / 3 + 1 / 2) / (2 + lacking.length));
    const opted = scoreVerdicts(bench.spec, v, { excludeMissingLibraries: true });
    assert.equal(opted.excluded.samples, lacking.length);
    assert.equal(opted.base['pass@1'], (1 / 3 + 1 / 2) / 2);
  });

  // bigcodebench's guard starts every subprocess with preexec_fn=os.setsid, so Python runs its
  // at-fork hooks in the child it forks for exec; closing the runner's channel fds there by
  // number closed the subprocess's own pipes (OSError: [Errno 9] Bad file descriptor).
  // BigCodeBench/461 alone runs about 170 s (its tests wait on zombie processes up to their
  // timeouts), so the two sandbox modes run side by side.
  it('passes the canonical solutions of tasks that start subprocesses, under bwrap and none', { timeout: 600_000 }, async () => {
    const bench = loadBenchmark('bigcodebench-hard');
    const ids = ['BigCodeBench/15', 'BigCodeBench/346', 'BigCodeBench/461', 'BigCodeBench/785'];
    const runnable = ids.filter((id) => bench.byId.get(id)!.libs!.every((l) => importable(l)));
    assert.ok(runnable.length >= 3, `only ${runnable.join(', ')} have their libraries here`);
    const [boxed, bare] = await Promise.all(
      (['bwrap', 'none'] as const).map((sandbox) =>
        evaluateBatch({ benchmark: 'bigcodebench-hard', samples: canonicalSamples(bench, runnable), cacheDir: CACHE_DIR, sandbox, parallelism: 2 }),
      ),
    );
    for (const [mode, v] of [['bwrap', boxed], ['none', bare]] as const) {
      assert.deepEqual(
        v.map((x) => [x.taskId, x.passed, x.category ?? null, x.passed ? null : x.base.detail]),
        runnable.map((id) => [id, true, null, null]),
        mode,
      );
    }
  });

  // The cap is checked against the output before the runner's mark for the sample, so it makes no
  // difference whether the lane is killed mid-check or the verdict arrives before the output does.
  it('fails every sample that prints past the output cap as output_limit, however fast it is', { timeout: 300_000 }, async () => {
    const bench = loadBenchmark('bigcodebench');
    const canonical = canonicalSamples(bench, ['BigCodeBench/1'])[0].program;
    const cap = 100_000;
    const print = (n: number) => `import os\n_b = b"x" * ${n}\nwhile _b:\n    _b = _b[os.write(1, _b):]\n` + canonical;
    const samples = [];
    for (let i = 0; i < 3; i++) {
      samples.push({ taskId: 'BigCodeBench/1', program: print(cap + 1) }); // just past: the verdict may come first
      samples.push({ taskId: 'BigCodeBench/1', program: print(cap) }); // at the cap: passes
      samples.push({ taskId: 'BigCodeBench/1', program: print(20 * cap) }); // far past: the lane is killed
    }
    samples.push({ taskId: 'BigCodeBench/1', program: 'import os\nwhile True:\n    os.write(2, b"y" * 65536)\n' + canonical });
    samples.push({ taskId: 'BigCodeBench/1', program: 'import os\nos.write(1, b"\\0FAIT-END ' + '0'.repeat(32) + '\\0")\n' + canonical });
    const v = await evaluateBatch({ benchmark: 'bigcodebench', samples, cacheDir: CACHE_DIR, parallelism: 2, limits: { perSampleOutputBytes: cap } });
    const got = v.map((x) => [x.passed, x.category ?? null, x.base.status]);
    const over = [false, 'output_limit', 'fail'];
    const ok = [true, null, 'pass'];
    assert.deepEqual(got, [over, ok, over, over, ok, over, over, ok, over, over, ok]);
  });

  it('reads BigCodeBench-Hard from its own file', { timeout: 300_000 }, async () => {
    const bench = loadBenchmark('bigcodebench-hard');
    const v = await evaluateBatch({ benchmark: 'bigcodebench-hard', samples: canonicalSamples(bench, ['BigCodeBench/37']), cacheDir: CACHE_DIR });
    assert.equal(v[0].category, 'missing_library');
    assert.ok(['pandas', 'sklearn', 'seaborn'].includes(v[0].module!), String(v[0].module)); // what its code imports first
  });
});
