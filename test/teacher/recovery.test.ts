/**
 * The teacher stage under a real `fait worker` subprocess: SIGKILL mid-stage re-requests nothing
 * that had completed before the kill, and a distinctive API key appears nowhere: not in the
 * workflow history fetched from the server, the artifacts, the logs, or `fait status` output.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { projectRoot } from '../../config/settings';
import { AnswerCache } from '../../teacher/cache';
import { chatRequest } from '../../teacher/llmClient';
import { templateName } from '../../teacher/prompt';
import type { ExperimentResult } from '../../workflows';
import { experimentInput, startExperiment } from '../helpers/experiment';
import { startOpenAiDouble, type LoggedRequest, type OpenAiDouble } from '../helpers/openaiDouble';
import { spawnWorker, startTestTemporal, type TestTemporal, type WorkerProcess } from '../helpers/temporal';

const keyVariable = 'FAIT_TEST_TEACHER_KEY';
const apiKey = 'sk-fait-DISTINCTIVE-7f3a9c2e5b1d';

describe('teacher stage recovery and secrets', () => {
  let t: TestTemporal;
  let d: OpenAiDouble;
  let dataset: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    t = await startTestTemporal();
    d = await startOpenAiDouble({ apiKey, model: 'teacher-model', latencyMs: 40, faultRate: 0.1, faults: ['429', '500', 'malformed'] });
    const dir = mkdtempSync(path.join(tmpdir(), 'fait-teacher-rec-'));
    dataset = path.join(dir, 'tasks.jsonl');
    writeFileSync(dataset, readFileSync(path.join(projectRoot, 'examples', 'python-tasks.jsonl')));
  });

  after(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await d.close();
    await t.close();
  });

  const teacher = () => ({ kind: 'openai', baseUrl: d.baseUrl, model: 'teacher-model', apiKeyEnv: keyVariable, concurrency: 2, parallelShards: 1 });
  const env = () => ({ ...t.env, [keyVariable]: apiKey });

  test('SIGKILL mid-stage: the new worker re-requests no sample that had completed before the kill', async () => {
    const first = spawnWorker(env(), 'cpu');
    workers.push(first);
    await first.waitForLine(/worker polling/);
    const handle = await startExperiment(t.client, experimentInput(dataset, { shardSize: 50 }, { teacher: teacher() }));
    const cacheDir = path.join(t.stateDir, 'teacher-cache');
    while (cachedKeys(cacheDir).size < 30) await new Promise((resolve) => setTimeout(resolve, 50));
    await first.kill('SIGKILL');
    const completedBeforeKill = cachedKeys(cacheDir);
    const requestsBeforeKill = d.requests.length;

    const second = spawnWorker(env(), 'cpu');
    workers.push(second);
    const result = (await handle.result()) as ExperimentResult;
    // The cache key of a logged request, rebuilt from what the endpoint received.
    const keyOf = (r: LoggedRequest) =>
      AnswerCache.key({
        baseUrl: d.baseUrl,
        promptVersion: templateName,
        request: chatRequest({ baseUrl: d.baseUrl, model: r.model, temperature: r.temperature!, maxTokens: r.maxTokens!, timeoutMs: 0 }, r.prompt, r.seed!),
      });
    const keysBeforeKill = new Set(d.requests.slice(0, requestsBeforeKill).map(keyOf));
    assert.ok([...completedBeforeKill].every((key) => keysBeforeKill.has(key)), 'the rebuilt keys are the cache keys');
    const repeated = d.requests.slice(requestsBeforeKill).filter((r) => completedBeforeKill.has(keyOf(r)));
    assert.deepEqual(repeated, [], 'no completed sample was requested again');
    assert.equal(result.teacher!.reduce((n, r) => n + r.counts.pairs + r.counts.rejected, 0), 100);
    assert.ok(result.teacher!.reduce((n, r) => n + r.counts.cached, 0) >= completedBeforeKill.size - 1);
    await second.kill();
  });

  test('the API key appears nowhere: history, artifacts, logs, status output', async () => {
    const worker = spawnWorker(env(), 'cpu');
    workers.push(worker);
    await worker.waitForLine(/worker polling/);
    const input = experimentInput(dataset, { shardSize: 50 }, { teacher: teacher() });
    const handle = await startExperiment(t.client, input);
    await handle.result();
    await worker.kill();

    const history = readableHistory(historyToJSON(await handle.fetchHistory()));
    assert.ok(history.includes(keyVariable), 'the history names the variable');
    assert.ok(!history.includes(apiKey), 'but never holds its value');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(projectRoot, 'bin', 'fait'), 'status', input.experimentId, '--json'], { env: t.env });
    assert.ok(stdout.includes('"teacher"') && !stdout.includes(apiKey));
    const leaks = filesUnder(t.stateDir).filter((file) => readFileSync(file).includes(apiKey));
    assert.deepEqual(leaks, [], 'no artifact, cache entry or log holds the key');
    assert.ok(existsSync(path.join(t.stateDir, 'logs', 'worker.log')));
  });
});

/** The history JSON with every payload's base64 data decoded, so a search sees what was stored. */
function readableHistory(json: string): string {
  const decoded: string[] = [json];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const { metadata, data } = value as { metadata?: unknown; data?: unknown };
      if (metadata && typeof data === 'string') decoded.push(Buffer.from(data, 'base64').toString('utf8'));
      Object.values(value).forEach(visit);
    }
  };
  visit(JSON.parse(json));
  return decoded.join('\n');
}

function cachedKeys(dir: string): Set<string> {
  return new Set(filesUnder(dir).filter((f) => f.endsWith('.json')).map((f) => path.basename(f, '.json')));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}
