/**
 * The teacher stage through the real `fait run` command and a real `fait worker` subprocess:
 * a teacher that rejects (almost) everything fails the run with exit code 1, the counts and the
 * most frequent reasons; the answer cache is keyed by endpoint, and `teacher.cache: false` and
 * `--no-teacher-cache` ask the endpoint again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from '../../config/settings';
import { runFait } from '../helpers/cli';
import { startOpenAiDouble, type OpenAiDouble } from '../helpers/openaiDouble';
import { spawnWorker, startTestTemporal, type TestTemporal, type WorkerProcess } from '../helpers/temporal';

const keyVariable = 'FAIT_TEST_TEACHER_KEY';
const apiKey = 'sk-fait-runcli-9e4d1c7a';

describe('fait run with an OpenAI-compatible teacher', () => {
  let t: TestTemporal;
  let worker: WorkerProcess;
  let dir: string;
  const doubles: OpenAiDouble[] = [];

  async function double(options: Partial<Parameters<typeof startOpenAiDouble>[0]> = {}) {
    const d = await startOpenAiDouble({ apiKey, model: 'teacher-model', ...options });
    doubles.push(d);
    return d;
  }

  /** An experiment file over `count` bundled examples starting at `from`. */
  function experimentFile(name: string, from: number, count: number, teacher: Record<string, unknown>): string {
    const examples = readFileSync(path.join(projectRoot, 'examples', 'python-tasks.jsonl'), 'utf8').trim().split('\n').slice(from, from + count);
    writeFileSync(path.join(dir, `${name}.jsonl`), examples.join('\n') + '\n');
    const file = path.join(dir, `${name}.json`);
    const config = { name, dataset: { path: `${name}.jsonl` }, teacher: { kind: 'openai', model: 'teacher-model', apiKeyEnv: keyVariable, requestTimeout: '5s', ...teacher } };
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  }

  const faitRun = (args: string[]) => runFait(['run', '--worker', 'no', ...args], t.env, 180_000);

  before(async () => {
    t = await startTestTemporal();
    dir = mkdtempSync(path.join(tmpdir(), 'fait-teacher-cli-'));
    // Only the worker holds the key; `fait run` never sees it.
    worker = spawnWorker({ ...t.env, [keyVariable]: apiKey }, 'cpu');
    await worker.waitForLine(/worker polling/);
  });

  after(async () => {
    await worker.kill();
    for (const d of doubles) await d.close();
    await t.close();
  });

  test('a teacher whose every answer is rejected fails the run: exit 1, the counts and the top reasons', async () => {
    const d = await double({ faultRate: 1, faults: ['identical'] });
    const file = experimentFile('rejects-all', 20, 8, { baseUrl: d.baseUrl, maxSamples: 2 });
    const { code, stdout, stderr } = await faitRun([file]);
    assert.equal(code, 1, stderr);
    assert.equal(d.requests.length, 16, 'two samples for each of the 8 records');
    assert.match(
      stderr,
      /last error: the teacher rejected 8 of 8 records \(100\.0%\), more than teacher\.maxRejectRatio 0\.5 allows; 0 pairs\. Most frequent reasons: 8 records: identical to the correct response \(up to line endings and trailing whitespace\) \(e\.g\. record ex-021\)\. Every reject with its reasons: \S+/,
    );
    assert.match(stderr, /teacher\s+failed\s+.*0 pairs \(0 from the dataset\), 8 rejected; 16 requests, 0 cached answers; top reject reasons: 8 records: identical/);
    assert.match(stderr, /masks\s+pending/, 'nothing ran after the teacher stage');
    assert.doesNotMatch(stderr + stdout, /completed \(stage report\)/);
  });

  test('at the ratio the run goes on, and the stage summary shows the top reasons', async () => {
    // Every other request is answered with the correct response itself; with one sample per
    // record about half the records are rejected, so a ratio of 1 lets the run complete.
    const d = await double({ faultRate: 0.5, faults: ['identical'] });
    const file = experimentFile('some-rejects', 30, 8, { baseUrl: d.baseUrl, maxSamples: 1, maxRejectRatio: 1 });
    const { code, stderr } = await faitRun([file]);
    assert.equal(code, 0, stderr);
    const rejected = d.requests.filter((r) => r.outcome === 'identical').length;
    assert.ok(rejected > 0 && rejected < 8, `${rejected} rejected`);
    assert.match(stderr, new RegExp(`teacher\\s+completed\\s+.*${8 - rejected} pairs \\(0 from the dataset\\), ${rejected} rejected; 8 requests, 0 cached answers; top reject reasons: ${rejected} records?: identical`));
  });

  test('the cache is per endpoint; teacher.cache: false and --no-teacher-cache ask again', async () => {
    const first = await double();
    const second = await double();
    const run = async (name: string, teacher: Record<string, unknown>, flags: string[] = []) => {
      const result = await faitRun([...flags, experimentFile(name, 0, 5, teacher)]);
      assert.equal(result.code, 0, result.stderr);
      return result;
    };

    await run('cache-a', { baseUrl: first.baseUrl });
    assert.equal(first.requests.length, 5, 'one sample per record');
    await run('cache-b', { baseUrl: first.baseUrl });
    assert.equal(first.requests.length, 5, 'the same endpoint again: every answer from the cache');
    await run('cache-c', { baseUrl: `${first.baseUrl}/` });
    assert.equal(first.requests.length, 5, 'a trailing slash names the same endpoint');

    await run('cache-d', { baseUrl: second.baseUrl });
    assert.equal(second.requests.length, 5, 'another endpoint with the same model name is asked afresh');
    assert.equal(first.requests.length, 5);

    await run('cache-e', { baseUrl: first.baseUrl, cache: false });
    assert.equal(first.requests.length, 10, 'teacher.cache: false asks again');

    const { stdout } = await run('cache-f', { baseUrl: first.baseUrl }, ['--no-teacher-cache']);
    assert.equal(first.requests.length, 15, '--no-teacher-cache asks again');
    // The flag travels as teacher.cache: false in the workflow input, and nothing secret with it.
    const runId = stdout.trim().split('\n').pop()!;
    const history = await t.client.workflow.getHandle(runId).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    const input = JSON.parse(Buffer.from(started.input!.payloads![0].data!).toString('utf8'));
    assert.equal(input.config.teacher.cache, false);
    assert.ok(!JSON.stringify(input).includes(apiKey));
  });
});
