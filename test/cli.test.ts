/**
 * The `fait` command line as a user runs it: real subprocesses against a real Temporal server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { projectRoot } from '../config/settings';
import { writeEvolDataset } from './helpers/experiment';
import { spawnWorker, startTestTemporal, type TestTemporal, type WorkerProcess } from './helpers/temporal';

const run = promisify(execFile);
const fait = path.join(projectRoot, 'bin', 'fait');

describe('fait CLI', () => {
  let t: TestTemporal;
  let worker: WorkerProcess;
  let dir: string;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [fait, ...args], { env: t.env, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  function experimentFile(name: string, body: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, body);
    return file;
  }

  before(async () => {
    t = await startTestTemporal();
    dir = mkdtempSync(path.join(tmpdir(), 'fait-cli-'));
    worker = spawnWorker(t.env);
    await worker.waitForLine(/worker polling/);
  });

  after(async () => {
    await worker.kill();
    await t.close();
  });

  test('every command has help text', async () => {
    for (const command of ['server', 'worker', 'run', 'status', 'cancel', 'list', 'mask', 'plan', 'tokens', 'eval']) {
      const { code, stdout } = await cli([command, '--help']);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`Usage: fait ${command}`));
    }
  });

  test('mask writes one line per good pair and lists each bad pair with its line and reason', async () => {
    const pairs = experimentFile(
      'pairs.jsonl',
      [
        JSON.stringify({ id: 'a', correct: 'x = 1\n', incorrect: 'x = 2\n' }),
        JSON.stringify({ id: 'b', correct: 'y' }),
        JSON.stringify({ id: 'c', correct: ['no'], incorrect: 'z' }),
        '{"id": "d", ',
        JSON.stringify({ id: 'e', correct: 'long text '.repeat(5), incorrect: 'long text!' }),
        JSON.stringify({ id: 'f', correct: '```python\nx = 1\n```\nIt is one.\n', incorrect: '```python\nx = 2\n```\nIt is two.\n' }),
      ].join('\n') + '\n',
    );
    const out = path.join(dir, 'masks.jsonl');
    const { code, stderr } = await cli(['mask', '--pairs', pairs, '--out', out, '--max-chars', '40', '--segments', 'code']);
    assert.equal(code, 0);
    assert.match(stderr, /2 pairs masked .* 4 rejected/);
    const masks = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(masks.map((m) => m.id), ['a', 'f']);
    assert.deepEqual(masks[1].correct, { lineMask: [0, 1, 0, 0], charSpans: [[14, 15]] }, 'prose outside the code block is not marked');
    const rejects = readFileSync(`${out}.rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      rejects.map((r) => [r.line, r.field, r.reason]),
      [
        [2, 'incorrect', 'missing field "incorrect" (expected a string)'],
        [3, 'correct', 'field "correct" must be a string, got an array'],
        [4, undefined, rejects[2].reason],
        [5, 'correct', 'field "correct" is too long: 50 code points, the limit (maxChars) is 40'],
      ],
    );
    assert.match(rejects[2].reason, /^invalid JSON/);
  });

  test('run rejects a bad experiment file with exit code 2, naming file, line and key', async () => {
    const file = experimentFile('bad.yaml', 'name: x\ndataset:\n  path: d.jsonl\n  shardSize: many\n  colour: red\n');
    const { code, stderr } = await cli(['run', file]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`bad\\.yaml:4:14: dataset\\.shardSize: .*expected number`));
    assert.match(stderr, /bad\.yaml:5:3: dataset\.colour: unknown key/);
  });

  test('run checks input files and model directories before anything starts, exit 2 naming key and path', async () => {
    writeEvolDataset(dir, 'pre.jsonl', 3);
    const noConfig = path.join(dir, 'no-config-model');
    mkdirSync(noConfig, { recursive: true });
    writeFileSync(path.join(noConfig, 'tokenizer.json'), '{}');
    const cases: [string, string, RegExp][] = [
      ['pre-missing-data', 'dataset:\n  path: missing.jsonl\n', /^pre-missing-data\.yaml:3:9: dataset\.path: .*missing\.jsonl: no such file$/],
      ['pre-no-model', 'dataset:\n  path: pre.jsonl\ntraining:\n  model: no/such/model\n', /^pre-no-model\.yaml:5:10: training\.model: .*no\/such\/model: no such directory/],
      ['pre-no-config', `dataset:\n  path: pre.jsonl\ntraining:\n  model: ${noConfig}\n`, /^pre-no-config\.yaml:5:10: training\.model: .*no-config-model: no config\.json/],
    ];
    for (const [name, body, expected] of cases) {
      const file = experimentFile(`${name}.yaml`, `name: ${name}\n${body}`);
      const result = await run(process.execPath, [fait, 'run', `${name}.yaml`, '--id', name], { cwd: dir, env: t.env }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(result.code, 2, `${file}: ${result.stderr}`);
      assert.match(result.stderr.trim(), expected);
      await assert.rejects(t.client.workflow.getHandle(name).describe(), WorkflowNotFoundError, `${name} started no workflow`);
    }
  });

  test('run on a file that is not an experiment file says so in one line', async () => {
    const data = writeEvolDataset(dir, 'not-an-experiment.jsonl', 50);
    const result = await cli(['run', data]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^\S+not-an-experiment\.jsonl: not an experiment file \(a JSON-lines file; a dataset goes in dataset\.path\).*\n$/);
    const record = experimentFile('record.json', JSON.stringify({ instruction: 'a', output: 'b' }));
    const single = await cli(['run', record]);
    assert.equal(single.code, 2);
    assert.match(single.stderr, /record\.json: not an experiment file \(none of its top-level keys \(instruction, output\) is an experiment key\).*\n$/);
  });

  test('run follows to completion; status and list show the run', async () => {
    writeEvolDataset(dir, 'small.jsonl', 30, 0, { faultable: true });
    const file = experimentFile('ok.yaml', 'name: cli-ok\ndataset:\n  path: small.jsonl\n  shardSize: 10\n');
    const started = await cli(['run', file, '--id', 'cli-ok-1']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout.trim(), 'cli-ok-1');
    assert.match(started.stderr, /dataset: completed \(30 records in 3 shards; 0 invalid, 0 duplicates skipped\)/);

    const status = await cli(['status', 'cli-ok-1']);
    assert.match(status.stdout, /cli-ok-1: completed/);
    assert.match(status.stdout, /report: file:\/\//);
    const json = JSON.parse((await cli(['status', 'cli-ok-1', '--json'])).stdout);
    assert.equal(json.result.dataset.counts.kept, 30);

    const list = JSON.parse((await cli(['list', '--json'])).stdout) as { id: string; status: string; experiment: string; stage: string }[];
    const row = list.find((r) => r.id === 'cli-ok-1');
    assert.deepEqual(row && [row.status, row.experiment, row.stage], ['completed', 'cli-ok', null]);
  });

  test('output into a closed pipe (`fait status X | head -n 0`) ends cleanly', async () => {
    // head exits before fait writes, so every write meets EPIPE; pipefail reports fait's own code.
    const piped = await run('bash', ['-c', 'set -o pipefail; "$0" "$1" status cli-ok-1 | head -n 0; "$0" "$1" list | head -n 0', process.execPath, fait], {
      env: t.env,
      timeout: 60_000,
    }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    assert.deepEqual(piped, { code: 0, stderr: '' });
  });

  test('cancel of a closed run says it is closed; unknown ids and commands exit 2', async () => {
    const closed = await cli(['cancel', 'cli-ok-1']);
    assert.deepEqual([closed.code, closed.stdout], [0, 'cli-ok-1 is already closed (completed); nothing to cancel\n']);
    for (const command of ['status', 'cancel']) {
      const missing = await cli([command, 'no-such-run']);
      assert.deepEqual([missing.code, missing.stderr], [2, 'fait: no run with id no-such-run\n'], command);
    }
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    assert.equal((await cli(['run'])).code, 2, 'a missing argument is bad input too');
    const samples = await cli(['eval', '--samples', path.join(dir, 'no-samples.jsonl'), '--benchmarks', 'mbpp+']);
    assert.deepEqual([samples.code, samples.stderr.trim()], [2, `fait eval: --samples ${path.join(dir, 'no-samples.jsonl')}: no such file`]);
    assert.equal((await cli(['--help'])).code, 0);
  });

  test('a failing run exits 1 and status shows the error naming file and line', async () => {
    const data = path.join(dir, 'broken.jsonl');
    writeFileSync(data, '{"instruction": "a", "output": "```python\\nprint(1 < 2)\\n```\\n"}\n{"instruction": 3, "output": "B"}\n');
    const file = experimentFile('broken.yaml', `name: cli-bad\ndataset:\n  path: ${data}\n`);
    const result = await cli(['run', file, '--id', 'cli-bad-1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /broken\.jsonl:2: field "instruction": expected a string, got number 3/);
    const status = await cli(['status', 'cli-bad-1']);
    assert.match(status.stdout, /dataset\s+failed/);
    assert.match(status.stdout, /last error: [\s\S]*broken\.jsonl:2: field "instruction"/);

    const skipped = await cli(['run', file, '--id', 'cli-bad-2', '--skip-invalid']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /1 records in 1 shards; 1 invalid/);
  });

  test('run --no-follow returns at once; status shows live progress; cancel stops the run', async () => {
    writeEvolDataset(dir, 'large.jsonl', 200_000);
    const file = experimentFile('large.yaml', 'name: cli-large\ndataset:\n  path: large.jsonl\n  shardSize: 50\n');
    const started = await cli(['run', file, '--id', 'cli-large-1', '--no-follow']);
    assert.equal(started.code, 0, started.stderr);
    // The worker answers the status query between the dataset activity's synchronous reads; on a
    // loaded machine one query can miss its 5 s deadline, so ask a few times.
    let status = await cli(['status', 'cli-large-1']);
    for (let i = 0; i < 5 && /no worker answered/.test(status.stdout); i += 1) status = await cli(['status', 'cli-large-1']);
    assert.match(status.stdout, /cli-large-1: running \(stage dataset\)/);
    assert.match(status.stdout, /dataset\s+running/);
    const cancelled = await cli(['cancel', 'cli-large-1']);
    assert.match(cancelled.stdout, /cancellation requested for cli-large-1/);
    for (let i = 0; i < 50; i += 1) {
      const now = await cli(['status', 'cli-large-1']);
      if (/cli-large-1: cancelled/.test(now.stdout)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail('the run was not cancelled');
  });

  test('list: a header, aligned columns, the state and the stage each run is in or ended in', async () => {
    const { code, stdout } = await cli(['list']);
    assert.equal(code, 0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    assert.match(header, /^ID +EXPERIMENT +STATE +STAGE +STARTED \(UTC\) +DURATION$/);
    const columns = ['EXPERIMENT', 'STATE', 'STAGE', 'STARTED (UTC)', 'DURATION'].map((c) => header.indexOf(c));
    const cells = (row: string) => columns.map((at, i) => row.slice(at, columns[i + 1]).trim());
    for (const row of rows) {
      for (const at of columns) assert.equal(row[at - 1], ' ', `a column starts at ${at} in ${JSON.stringify(row)}`);
    }
    const byId = new Map(rows.map((r) => [r.split(' ')[0], cells(r)]));
    assert.deepEqual(byId.get('cli-ok-1')?.slice(0, 3), ['cli-ok', 'completed', '-']);
    assert.deepEqual(byId.get('cli-bad-1')?.slice(0, 3), ['cli-bad', 'failed', 'dataset']);
    assert.deepEqual(byId.get('cli-large-1')?.slice(0, 3), ['cli-large', 'cancelled', 'dataset']);
  });
});
