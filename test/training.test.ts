/**
 * The training stage through Temporal, on a tiny random Llama made for the test: the GPU worker
 * (a real `fait worker --queue gpu` subprocess) is SIGKILLed mid-epoch, a new worker takes over,
 * and the trainer resumes from its last checkpoint rather than from step 0.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { projectRoot } from '../config/settings';
import { openWorkerConnection } from '../temporal/connect';
import { createWorkers } from '../workers/create';
import { installWorkerLogging } from '../workers/logging';
import type { ExperimentResult } from '../workflows';
import { experimentInput, startExperiment } from './helpers/experiment';
import { spawnWorker, startTestTemporal, type TestTemporal, type WorkerProcess } from './helpers/temporal';

const examples = path.join(projectRoot, 'examples', 'python-tasks.jsonl');

describe('training stage', () => {
  let t: TestTemporal;
  let cpuWorkers: Worker[];
  let running: Promise<unknown>;
  let model: string;
  const gpuWorkers: WorkerProcess[] = [];

  before(async () => {
    t = await startTestTemporal();
    installWorkerLogging(t.stateDir, { stderr: false, level: 'WARN' });
    cpuWorkers = await createWorkers({ connection: await openWorkerConnection(t.settings, t.server.address), settings: t.settings, queues: ['cpu'] });
    running = Promise.all(cpuWorkers.map((w) => w.run()));
    model = path.join(mkdtempSync(path.join(tmpdir(), 'fait-model-')), 'tiny');
    execFileSync(t.settings.python, ['-m', 'fait_trainer', 'tiny-model', '--corpus', examples, '--out', model]);
  });

  after(async () => {
    for (const w of gpuWorkers) await w.kill('SIGKILL');
    for (const w of cpuWorkers) w.shutdown();
    await running;
    await t.close();
  });

  const training = (extra: Record<string, unknown> = {}) => ({
    model,
    maxLength: 384,
    batchSize: 4,
    learningRate: 1e-3,
    checkpointEverySteps: 2,
    ...extra,
  });

  test('SIGKILL of the GPU worker mid-epoch: a new worker finishes, resuming from the last checkpoint', async () => {
    const first = spawnWorker(t.env, 'gpu');
    gpuWorkers.push(first);
    await first.waitForLine(/worker polling fait-gpu/);
    const input = experimentInput(examples, { shardSize: 50 }, { training: training() });
    const handle = await startExperiment(t.client, input);
    const checkpoint = await first.waitForLine(/trainer: .*"event": "checkpoint"/, 180_000);
    await first.kill('SIGKILL');
    const step = Number(/"step": (\d+)/.exec(checkpoint)![1]);
    assert.ok(step >= 2);

    const second = spawnWorker(t.env, 'gpu');
    gpuWorkers.push(second);
    const result = (await handle.result()) as ExperimentResult;
    const epoch = result.training![0];
    assert.ok(epoch.resumedFrom !== undefined && epoch.resumedFrom >= step, `resumed from ${epoch.resumedFrom}, killed after the checkpoint of step ${step}`);
    assert.match(second.output.join('\n'), /trainer: .*"event": "resumed"/);
    assert.ok(epoch.steps > epoch.resumedFrom!);
    assert.ok(epoch.outputDir && existsSync(path.join(epoch.outputDir, 'config.json')), 'the final model directory was written');
    assert.ok(epoch.weights && epoch.weights.mean > 1 && epoch.weights.max <= 2, `W statistics ${JSON.stringify(epoch.weights)}`);
    assert.equal(result.status.stages.training.state, 'completed');
    await second.kill();
  });

  test('with benchmarks configured, the base and the trained model are evaluated as child workflows', async () => {
    const worker = spawnWorker(t.env, 'gpu');
    gpuWorkers.push(worker);
    await worker.waitForLine(/worker polling fait-gpu/);
    const input = experimentInput(
      examples,
      { shardSize: 50, limit: 20 },
      { training: training({ checkpointEverySteps: 100 }), evaluation: { benchmarks: ['humaneval+'], limit: 2, maxNewTokens: 16 } },
    );
    const result = (await (await startExperiment(t.client, input)).result()) as ExperimentResult;
    for (const which of ['base', 'trained'] as const) {
      const [he] = result.evaluation![which].benchmarks;
      assert.equal(he.benchmark, 'humaneval+');
      assert.equal(he.score.tasks, 2, `${which}: both tasks were generated and checked`);
      assert.equal(he.verdicts.count, 2);
    }
    assert.match(result.status.stages.evaluation.summary!, /^humaneval\+ pass@1 \d+\.\d% -> \d+\.\d%, plus/);
    const children = await t.client.workflow.getHandle(`${input.experimentId}-eval-trained`).describe();
    assert.equal(children.status.name, 'COMPLETED');
    await worker.kill();
  });

  test('a missing model directory is bad input: the run fails at once, without retries', async () => {
    const worker = spawnWorker(t.env, 'gpu');
    gpuWorkers.push(worker);
    const missing = path.join(tmpdir(), 'no-such-model-dir');
    const handle = await startExperiment(t.client, experimentInput(examples, { shardSize: 50 }, { training: training({ model: missing }) }));
    await assert.rejects(handle.result(), (err: Error) => rootMessage(err).includes(missing));
    const history = await handle.fetchHistory();
    const trainAttempts = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainEpoch').length;
    assert.equal(trainAttempts, 1);
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    assert.ok(started.every((a) => a === 1), 'no activity was retried');
    await worker.kill();
  });
});

function rootMessage(err: unknown): string {
  let current = err as { message: string; cause?: unknown };
  while (current.cause) current = current.cause as typeof current;
  return current.message;
}
