/**
 * `fait eval setup bigcodebench` on a tiny requirements list (the real one is GBs): it builds a
 * separate venv from PyPI, installs what it can, lists what it cannot with pip's reason, and the
 * evaluation then runs BigCodeBench in it: a task whose library only that venv has passes there
 * and is missing_library in the project venv.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../config/settings';
import { canonicalSamples, evaluateBatch, evalEnvPython, loadBenchmark, type EvalEnvRecord } from '../../evaluation';
import { CACHE_DIR, cannotEvaluate, runFait } from './helpers';

const venvPython = path.join(projectRoot, '.venv', 'bin', 'python');

const cli = (args: string[], env: NodeJS.ProcessEnv) => runFait(args, env, 900_000);

describe('fait eval setup bigcodebench', { skip: cannotEvaluate('bigcodebench') }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fait-eval-env-'));
    env = { ...process.env, FAIT_STATE_DIR: path.join(dir, 'state') };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing requirements file is bad input', async () => {
    const r = await cli(['eval', 'setup', 'bigcodebench', '--requirements', path.join(dir, 'nope.txt')], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /nope\.txt does not exist/);
  });

  it('installs what it can, lists what it cannot, and BigCodeBench then runs in it', { timeout: 900_000 }, async () => {
    // The harness needs numpy and matplotlib: the project venv's versions, which have wheels for
    // its Python. xmltodict is what BigCodeBench/490 imports; the last name does not exist on PyPI.
    const version = (pkg: string) =>
      spawnSync(venvPython, ['-c', `import importlib.metadata as m; print(m.version("${pkg}"))`], { encoding: 'utf8' }).stdout.trim();
    const requirements = path.join(dir, 'requirements.txt');
    const missing = 'fait-no-such-package-for-tests==1.0';
    writeFileSync(
      requirements,
      ['# tiny list', `numpy==${version('numpy')}`, `matplotlib==${version('matplotlib')}`, 'xmltodict==0.13.0', 'XMLtoDict==0.13.0', missing].join('\n') + '\n',
    );
    const base = spawnSync(venvPython, ['-c', 'import sys, os; print(os.path.join(sys.base_prefix, "bin", "python3"))'], { encoding: 'utf8' }).stdout.trim();

    const r = await cli(['eval', 'setup', 'bigcodebench', '--python', base, '--requirements', requirements, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout) as EvalEnvRecord;
    const envDir = path.join(dir, 'state', 'eval-envs', 'bigcodebench');
    assert.equal(record.python, path.join(envDir, 'bin', 'python'));
    assert.deepEqual(JSON.parse(readFileSync(path.join(envDir, 'fait-eval-env.json'), 'utf8')), record);
    assert.equal(record.harness.ok, true, record.harness.error);
    assert.deepEqual(record.installed, [`numpy==${version('numpy')}`, `matplotlib==${version('matplotlib')}`, 'xmltodict==0.13.0']);
    assert.deepEqual(record.skipped.map((s) => [s.requirement, s.line]), [['XMLtoDict==0.13.0', 5]]);
    assert.equal(record.failed.length, 1);
    assert.equal(record.failed[0].requirement, missing);
    assert.equal(record.failed[0].line, 6);
    assert.match(record.failed[0].reason, /^ERROR: (Could not find a version|No matching distribution)/);
    assert.ok(!record.failed[0].reason.includes('\n'));
    assert.ok(record.packages.some((p) => /^xmltodict==0\.13\.0$/i.test(p)));
    assert.equal(evalEnvPython(envDir), record.python);

    // The project venv lacks xmltodict; the new environment has it.
    const bench = loadBenchmark('bigcodebench');
    assert.deepEqual(bench.byId.get('BigCodeBench/490')!.libs, ['xmltodict', 'json']);
    const samples = canonicalSamples(bench, ['BigCodeBench/490']);
    const [inVenv] = await evaluateBatch({ benchmark: 'bigcodebench', samples, cacheDir: CACHE_DIR, parallelism: 1 });
    assert.equal(inVenv.category, 'missing_library');
    assert.equal(inVenv.module, 'xmltodict');
    const [inEnv] = await evaluateBatch({ benchmark: 'bigcodebench', samples, cacheDir: CACHE_DIR, parallelism: 1, bigcodebenchEnvDir: envDir });
    assert.equal(inEnv.passed, true, `${inEnv.category}: ${inEnv.base.detail}`);
  });
});
