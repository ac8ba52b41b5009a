/**
 * The teacher stage against a local OpenAI-compatible test double with injected faults, through
 * a real Temporal server and real workers: every record ends as one pair or one reject, no request
 * is wasted, and permanent errors stop the stage quickly with a clear message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { readJsonlArtifacts } from '../../artifacts/store';
import { projectRoot } from '../../config/settings';
import type { Pair, TeacherReject } from '../../teacher/generate';
import { openWorkerConnection } from '../../temporal/connect';
import { createWorkers } from '../../workers/create';
import { installWorkerLogging } from '../../workers/logging';
import type { ExperimentResult } from '../../workflows';
import { experimentInput, startExperiment } from '../helpers/experiment';
import { startOpenAiDouble, type OpenAiDouble } from '../helpers/openaiDouble';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const keyVariable = 'FAIT_TEST_TEACHER_KEY';
const apiKey = 'sk-test-stage-0123456789';

describe('teacher stage with an OpenAI-compatible endpoint', () => {
  let t: TestTemporal;
  let workers: Worker[];
  let running: Promise<unknown>;
  let dir: string;
  let dataset: string;
  const doubles: OpenAiDouble[] = [];

  async function double(options: Partial<Parameters<typeof startOpenAiDouble>[0]> = {}) {
    const d = await startOpenAiDouble({ apiKey, model: 'teacher-model', ...options });
    doubles.push(d);
    return d;
  }

  function teacherConfig(baseUrl: string, extra: Record<string, unknown> = {}) {
    return { kind: 'openai', baseUrl, model: 'teacher-model', apiKeyEnv: keyVariable, requestTimeout: '1s', concurrency: 8, ...extra };
  }

  before(async () => {
    process.env[keyVariable] = apiKey;
    t = await startTestTemporal();
    installWorkerLogging(t.stateDir, { stderr: false, level: 'WARN' });
    workers = await createWorkers({ connection: await openWorkerConnection(t.settings, t.server.address), settings: t.settings, queues: ['cpu'] });
    running = Promise.all(workers.map((w) => w.run()));
    dir = mkdtempSync(path.join(tmpdir(), 'fait-teacher-'));
    const examples = readFileSync(path.join(projectRoot, 'examples', 'python-tasks.jsonl'), 'utf8').trim().split('\n').slice(0, 60);
    examples.push(JSON.stringify({ id: 'stubborn', instruction: 'Say hi.', response: 'ALWAYS-IDENTICAL\n\n```python\nprint("hi")\n```\n' }));
    dataset = path.join(dir, 'tasks.jsonl');
    writeFileSync(dataset, examples.join('\n') + '\n');
  });

  after(async () => {
    for (const w of workers) w.shutdown();
    await running;
    for (const d of doubles) await d.close();
    await t.close();
  });

  test('with 30% faults every record ends as exactly one pair or reject, and calls = samples + retries', async () => {
    const d = await double({ faultRate: 0.3 });
    const input = experimentInput(dataset, { shardSize: 20 }, { teacher: teacherConfig(d.baseUrl) });
    const result = (await (await startExperiment(t.client, input)).result()) as ExperimentResult;

    const pairs = await readJsonlArtifacts<Pair>(result.teacher!.map((r) => r.pairs));
    const rejects = await readJsonlArtifacts<TeacherReject>(result.teacher!.map((r) => r.rejects));
    const ids = [...pairs.map((p) => p.id), ...rejects.map((r) => r.id)].sort();
    assert.equal(ids.length, 61);
    assert.equal(new Set(ids).size, 61, 'no record is both a pair and a reject, or twice');
    const stubborn = rejects.find((r) => r.id === 'stubborn');
    assert.match(stubborn?.reason ?? '', /^no valid variant after 3 samples: identical to the correct response/);
    // Another record may be rejected only when the faults hit all three of its samples with
    // unusable answers (about 1 in 1000 records at this fault rate).
    const unusable = /^(identical to the correct response \(up to line endings and trailing whitespace\)|the answer has no code block but the correct response has code)$/;
    for (const r of rejects) {
      assert.match(r.reason, /^no valid variant after 3 samples: /);
      for (const reason of r.reason.replace(/^no valid variant after 3 samples: /, '').split('; ')) assert.match(reason, unusable, `${r.id}: ${r.reason}`);
    }

    const calls = result.teacher!.reduce((n, r) => n + r.counts.calls, 0);
    const retries = result.teacher!.reduce((n, r) => n + r.counts.retries, 0);
    const samples = new Set(d.requests.map((r) => `${r.promptSha256}:${r.seed}`)).size;
    assert.equal(d.requests.length, calls, 'every request the endpoint saw was counted');
    assert.equal(calls, samples + retries, 'no request beyond one per sample plus the retries');
    assert.ok(d.requests.some((r) => r.outcome === 'hang') && d.requests.some((r) => r.outcome === 'truncated'), 'faults were injected');

    // The double reads the prompt as an endpoint following the paper's wording would, and finds
    // each record's question and correct response byte for byte.
    const records = readFileSync(dataset, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { instruction: string; response: string });
    for (const r of d.requests) {
      assert.ok(records.some((rec) => rec.instruction === r.question && rec.response === r.correct), `request ${r.n} located its record`);
    }
    assert.ok(pairs.length >= 55, `${pairs.length} pairs`);
    for (const pair of pairs) {
      assert.notEqual(pair.incorrect, pair.correct);
      assert.equal(pair.teacher.template, 'figure3.v2');
      assert.equal(pair.teacher.kind, 'openai');
      assert.match(pair.teacher.templateSha256!, /^[0-9a-f]{64}$/);
      assert.ok(pair.distance > 0 && pair.distance < 0.1, `${pair.id}: distance ${pair.distance}`);
      assert.doesNotMatch(pair.incorrect, /Incorrect Response|Explanation/);
    }
    assert.equal(result.masks!.reduce((n, m) => n + m.masks.count, 0), pairs.length, 'the masks stage masked every pair');

    // A second run of the same experiment is served from the cache: not one request more.
    const before = d.requests.length;
    const again = (await (await startExperiment(t.client, experimentInput(dataset, { shardSize: 20 }, { teacher: teacherConfig(d.baseUrl) }))).result()) as ExperimentResult;
    assert.equal(d.requests.length, before);
    assert.deepEqual(again.teacher!.map((r) => r.pairs), result.teacher!.map((r) => r.pairs));
  });

  for (const [name, options, pattern] of [
    ['a rejected API key (401)', { forceStatus: 401 }, /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1 \(model fresh-model\): the API key was rejected/],
    ['an unknown model (404)', {}, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/v1 \(model no-such-model\): unknown model or wrong base URL/],
  ] as const) {
    test(`${name} stops the stage with a clear message after a handful of requests`, async () => {
      const d = await double(options);
      // A model with no cached answers, so the endpoint is really asked.
      const teacher = teacherConfig(d.baseUrl, { model: name.includes('404') ? 'no-such-model' : 'fresh-model' });
      const handle = await startExperiment(t.client, experimentInput(dataset, { shardSize: 100 }, { teacher }));
      await assert.rejects(handle.result(), (err: Error) => pattern.test(rootMessage(err)));
      assert.ok(d.requests.length <= 10, `${d.requests.length} requests`);
    });
  }

  test('a missing API key stops the run at its start, naming the variable', async () => {
    const d = await double();
    const handle = await startExperiment(t.client, experimentInput(dataset, {}, { teacher: teacherConfig(d.baseUrl, { apiKeyEnv: 'FAIT_TEST_UNSET_KEY' }) }));
    await assert.rejects(handle.result(), (err: Error) => /environment variable FAIT_TEST_UNSET_KEY/.test(rootMessage(err)));
    const history = await handle.fetchHistory();
    const scheduled = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name] : []));
    assert.deepEqual(scheduled, ['checkTeacher'], 'nothing else ran');
    assert.equal(d.requests.length, 0);
  });
});

function rootMessage(err: unknown): string {
  let current = err as { message: string; cause?: unknown };
  while (current.cause) current = current.cause as typeof current;
  return current.message;
}
