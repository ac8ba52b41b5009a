/**
 * Crash recovery with real processes: a `fait worker` subprocess is SIGKILLed while the dataset
 * stage runs, and separately the Temporal server itself is killed and restarted mid-run. Both runs
 * complete, with the same artifacts as an undisturbed run of the same data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExperimentResult } from '../workflows';
import { experimentInput, startExperiment, writeEvolDataset } from './helpers/experiment';
import { spawnWorker, startTestTemporal, type TestTemporal, type WorkerProcess } from './helpers/temporal';

// Large enough that reading and validating take over a second on these machines, so a kill
// issued when the stage logs its start lands while the stage is still running.
const records = 150_000;

// The dataset stage is what these tests kill; the "dataset" teacher keeps later stages cheap.
// The dataset brings no incorrect responses, so the teacher rejects every record by design (the
// runs are about the dataset stage); maxRejectRatio 1 lets them complete.
const datasetRun = () => experimentInput(dataset, { shardSize: 50_000 }, { teacher: { kind: 'dataset', maxRejectRatio: 1 } });

let dataset: string;

describe('crash recovery', () => {
  let t: TestTemporal;
  let reference: ExperimentResult;
  const workers: WorkerProcess[] = [];

  before(async () => {
    t = await startTestTemporal();
    dataset = writeEvolDataset(mkdtempSync(path.join(tmpdir(), 'fait-crash-')), 'big.jsonl', records, 300);
    const worker = spawnWorker(t.env);
    workers.push(worker);
    await worker.waitForLine(/worker polling/);
    reference = (await (await startExperiment(t.client, datasetRun())).result()) as ExperimentResult;
    await worker.kill();
  });

  after(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await t.close();
  });

  test('SIGKILL of the worker mid-stage: a new worker finishes the run with the same artifacts', async () => {
    const first = spawnWorker(t.env);
    workers.push(first);
    await first.waitForLine(/worker polling/);
    const handle = await startExperiment(t.client, datasetRun());
    await first.waitForLine(/dataset: reading/);
    await first.kill('SIGKILL');

    const second = spawnWorker(t.env);
    workers.push(second);
    const result = (await handle.result()) as ExperimentResult;
    await second.waitForLine(/dataset: reading.*attempt=2/);
    assert.deepEqual(result.dataset.shards, reference.dataset.shards);
    assert.deepEqual(result.dataset.rejects, reference.dataset.rejects);
    assert.deepEqual(result.dataset.counts, reference.dataset.counts);

    const history = await handle.fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes?.attempt).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    assert.ok(attempts.includes(2), `the dataset activity was retried after the kill (attempts: ${attempts})`);
    await second.kill();
  });

  test('the Temporal server is killed and restarted mid-run: the run completes', async () => {
    const worker = spawnWorker(t.env);
    workers.push(worker);
    await worker.waitForLine(/worker polling/);
    const handle = await startExperiment(t.client, datasetRun());
    await worker.waitForLine(/dataset: reading/);
    await t.restartServer();

    const result = (await handle.result()) as ExperimentResult;
    assert.deepEqual(result.dataset.shards, reference.dataset.shards);
    assert.equal(result.status.state, 'completed');
    await worker.kill();
  });
});
