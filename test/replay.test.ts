/**
 * Determinism: histories of the experiment workflow replay against the current workflow code
 * without non-determinism errors. Histories recorded by earlier versions are committed under
 * test/fixtures/histories (a change that breaks running experiments fails here); fresh histories of
 * a completed, a failed and a cancelled run are recorded and replayed too.
 * FAIT_RECORD_HISTORIES=1 saves the fresh ones as new fixtures.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { projectRoot } from '../config/settings';
import { openWorkerConnection } from '../temporal/connect';
import { createWorkers } from '../workers/create';
import { installWorkerLogging } from '../workers/logging';
import { experimentInput, startExperiment, writeEvolDataset } from './helpers/experiment';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

const fixtures = path.join(projectRoot, 'test', 'fixtures', 'histories');
const workflowsPath = require.resolve('../workflows');

describe('workflow replay', () => {
  let t: TestTemporal;
  let workers: Worker[];
  let running: Promise<unknown>;

  before(async () => {
    t = await startTestTemporal();
    installWorkerLogging(t.stateDir, { stderr: false, level: 'WARN' });
    workers = await createWorkers({ connection: await openWorkerConnection(t.settings, t.server.address), settings: t.settings, queues: ['cpu'] });
    running = Promise.all(workers.map((w) => w.run()));
  });

  after(async () => {
    for (const w of workers) w.shutdown();
    await running;
    await t.close();
  });

  test('committed histories replay without non-determinism errors', async () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 3, 'fixture histories are committed');
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')));
      await Worker.runReplayHistory({ workflowsPath, replayName: file }, history);
    }
  });

  test('fresh completed, failed and cancelled runs replay', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fait-replay-'));
    const good = writeEvolDataset(dir, 'good.jsonl', 40, 0, { faultable: true });
    const handles: [string, WorkflowHandle][] = [];

    const completed = await startExperiment(t.client, experimentInput(good, { shardSize: 10 }));
    await completed.result();
    handles.push(['completed', completed]);

    const failed = await startExperiment(t.client, experimentInput(path.join(dir, 'missing.jsonl')));
    await assert.rejects(failed.result());
    handles.push(['failed', failed]);

    const big = writeEvolDataset(dir, 'big.jsonl', 60_000);
    const cancelled = await startExperiment(t.client, experimentInput(big, { shardSize: 100 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cancelled.cancel();
    await assert.rejects(cancelled.result());
    handles.push(['cancelled', cancelled]);

    for (const [name, handle] of handles) {
      const history = await handle.fetchHistory();
      await Worker.runReplayHistory({ workflowsPath, replayName: name }, history);
      if (process.env.FAIT_RECORD_HISTORIES === '1') {
        mkdirSync(fixtures, { recursive: true });
        writeFileSync(path.join(fixtures, `experiment-${name}.json`), historyToJSON(history) + '\n');
      }
    }
  });

  test('replay detects a workflow that no longer matches its history', async () => {
    // Guards the replay check itself: a history of another workflow type must fail to replay.
    const file = readdirSync(fixtures).find((f) => f.endsWith('.json'))!;
    const json = JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));
    json.events[0].workflowExecutionStartedEventAttributes.workflowType.name = 'notAWorkflow';
    await assert.rejects(Worker.runReplayHistory({ workflowsPath }, historyFromJSON(json)));
  });
});
