/**
 * `fait eval` end to end through Temporal: an existing samples file, and greedy generation from a
 * tiny random Llama made in the test, both checked in the sandbox with EvalPlus's checker.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../config/settings';
import { resolveDataDir } from '../evaluation';
import { startOpenAiDouble } from './helpers/openaiDouble';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

const fait = path.join(projectRoot, 'bin', 'fait');

describe('fait eval', () => {
  let t: TestTemporal;
  let dir: string;

  async function cli(args: string[]) {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [fait, ...args, '--worker', 'yes'], { env: t.env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  before(async () => {
    t = await startTestTemporal();
    dir = mkdtempSync(path.join(tmpdir(), 'fait-eval-'));
  });

  after(async () => {
    await t.close();
  });

  test('a samples file: canonical solutions pass, a wrong one fails as wrong_answer, foreign tasks are listed', async () => {
    const rows = gunzipSync(readFileSync(path.join(resolveDataDir(), 'HumanEvalPlus-v0.1.10.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(0, 4)
      .map((line) => JSON.parse(line) as { task_id: string; prompt: string; canonical_solution: string; entry_point: string });
    const samples = rows.map((r, i) => ({
      task_id: r.task_id,
      solution: i === 2 ? `${r.prompt}    return 0\n` : r.prompt + r.canonical_solution,
    }));
    samples.push({ task_id: 'Mbpp/2', solution: 'x = 1' });
    const file = path.join(dir, 'samples.jsonl');
    writeFileSync(file, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');

    const { code, stdout, stderr } = await cli(['eval', '--samples', file, '--benchmarks', 'humaneval+', '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    const [he] = report.benchmarks;
    assert.equal(he.benchmark, 'humaneval+');
    assert.deepEqual(he.pass_at_1, { base: 0.75, plus: 0.75 });
    assert.deepEqual(
      he.verdicts.map((v: { task_id: string; passed: boolean; category: string | null }) => [v.task_id, v.passed, v.category]),
      [
        ['HumanEval/0', true, null],
        ['HumanEval/1', true, null],
        ['HumanEval/2', false, 'wrong_answer'],
        ['HumanEval/3', true, null],
      ],
    );
    assert.deepEqual(report.unknownTasks, ['Mbpp/2']);
    assert.equal(report.sandbox, 'bwrap');
  });

  test('a model: greedy samples from a tiny random Llama give a valid samples file and verdicts', async () => {
    const model = path.join(dir, 'tiny');
    execFileSync(t.settings.python, ['-m', 'fait_trainer', 'tiny-model', '--corpus', path.join(projectRoot, 'examples', 'python-tasks.jsonl'), '--out', model]);
    const { code, stdout, stderr } = await cli(['eval', '--model', model, '--benchmarks', 'humaneval+', '--limit', '3', '--max-new-tokens', '32', '--json']);
    assert.equal(code, 0, stderr);
    const [he] = JSON.parse(stdout).benchmarks;
    const lines = readFileSync(fileURLToPath(he.samples), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.task_id), ['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
    assert.ok(lines.every((l) => typeof l.solution === 'string' && typeof l.raw === 'string'));
    assert.equal(he.verdicts.length, 3);
    assert.equal(he.tasks, 3);
  });

  test('an OpenAI-compatible endpoint: greedy answers are extracted with EvalPlus’s sanitize, checked, and cached', async () => {
    const double = await startOpenAiDouble({ apiKey: 'sk-eval-endpoint', model: 'served-model' });
    t.env.FAIT_TEST_ENDPOINT_KEY = 'sk-eval-endpoint';
    try {
      const args = ['eval', '--endpoint', double.baseUrl, '--endpoint-model', 'served-model', '--api-key-env', 'FAIT_TEST_ENDPOINT_KEY', '--benchmarks', 'humaneval+', '--limit', '3', '--json'];
      const first = await cli(args);
      assert.equal(first.code, 0, first.stderr);
      const [he] = JSON.parse(first.stdout).benchmarks;
      const lines = readFileSync(fileURLToPath(he.samples), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.task_id), ['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
      for (const l of lines) {
        assert.match(l.raw, /^Here is the function:\n```python\n/);
        assert.doesNotMatch(l.solution, /```|Here is/, 'the markdown around the code is gone');
        assert.match(l.solution, /def \w+\(/);
      }
      assert.equal(he.verdicts.length, 3);
      assert.equal(double.requests.length, 3);
      const again = await cli(args);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(double.requests.length, 3, 'a second evaluation re-uses the cached answers');
    } finally {
      await double.close();
    }
  });

  test('missing benchmark data fails at once, naming the file and FAIT_DATA_DIR', async () => {
    const started = Date.now();
    const samples = path.join(dir, 'one.jsonl');
    writeFileSync(samples, JSON.stringify({ task_id: 'HumanEval/0', solution: 'pass' }) + '\n');
    const saved = t.env.FAIT_DATA_DIR;
    t.env.FAIT_DATA_DIR = path.join(dir, 'no-data');
    try {
      const { code, stderr } = await cli(['eval', '--samples', samples, '--benchmarks', 'mbpp+']);
      assert.equal(code, 1);
      assert.match(stderr, /fait eval: benchmark file .*MbppPlus-v0\.2\.0\.jsonl\.gz is missing \(data folder: .*no-data; set FAIT_DATA_DIR\)/);
      assert.ok(Date.now() - started < 60_000, 'not retried');
    } finally {
      t.env.FAIT_DATA_DIR = saved;
    }
  });

  test('an unknown benchmark or a missing source is bad input (exit 2)', async () => {
    const unknown = await cli(['eval', '--samples', 'x.jsonl', '--benchmarks', 'humaneval+,apps']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown benchmark apps; expected humaneval, humaneval\+/);
    const neither = await cli(['eval', '--benchmarks', 'mbpp+']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /exactly one of --samples FILE, --model DIR or --endpoint URL/);
  });
});
