/**
 * The experiment workflow end to end on a real Temporal dev server with real workers: the dataset
 * and report stages complete, artifacts match their recorded hashes, bad data stops the run with
 * the file and line named, and a run can be cancelled.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { artifactPath, readArtifact, readJsonlArtifact, readJsonlArtifacts, sha256Hex } from '../artifacts/store';
import { projectRoot } from '../config/settings';
import type { Reject, TrainingRecord } from '../dataset/records';
import { maskPair, type MaskLine, type RecordError } from '../masks';
import type { Pair, TeacherReject } from '../teacher/generate';
import { openWorkerConnection } from '../temporal/connect';
import { createWorkers } from '../workers/create';
import { installWorkerLogging } from '../workers/logging';
import type { ExperimentResult } from '../workflows';
import { statusQuery } from '../workflows/status';
import { experimentInput, startExperiment, writeEvolDataset } from './helpers/experiment';
import { startTestTemporal, type TestTemporal } from './helpers/temporal';

describe('faitExperiment on a real Temporal server', () => {
  let t: TestTemporal;
  let workers: Worker[];
  let running: Promise<unknown>;
  let dir: string;

  before(async () => {
    t = await startTestTemporal();
    installWorkerLogging(t.stateDir, { stderr: false, level: 'WARN' });
    workers = await createWorkers({ connection: await openWorkerConnection(t.settings, t.server.address), settings: t.settings, queues: ['cpu', 'gpu'] });
    running = Promise.all(workers.map((w) => w.run()));
    dir = mkdtempSync(path.join(tmpdir(), 'fait-data-'));
  });

  after(async () => {
    for (const w of workers) w.shutdown();
    await running;
    await t.close();
  });

  test('the bundled examples go through every stage with the default (mutation) teacher; every artifact matches its recorded hash', async () => {
    const examples = path.join(projectRoot, 'examples', 'python-tasks.jsonl');
    const handle = await startExperiment(t.client, experimentInput(examples, { shardSize: 30 }));
    const result = (await handle.result()) as ExperimentResult;

    const source = readFileSync(examples);
    assert.equal(result.dataset.source.sha256, sha256Hex(source));
    const lines = source.toString('utf8').trim().split('\n').length;
    assert.equal(result.dataset.counts.kept, lines);
    assert.equal(result.dataset.shards.length, Math.ceil(lines / 30));
    const records = await readJsonlArtifacts<TrainingRecord>(result.dataset.shards);
    assert.equal(records.length, lines);
    assert.deepEqual(records.map((r) => r.line), Array.from({ length: lines }, (_, i) => i + 1));
    const teacherRefs = result.teacher!.flatMap((r) => [r.pairs, r.rejects]);
    const maskRefs = result.masks!.flatMap((r) => [r.masks, r.rejects]);
    for (const ref of [...result.dataset.shards, result.dataset.rejects, ...teacherRefs, ...maskRefs, result.report]) {
      assert.equal(sha256Hex(readFileSync(artifactPath(ref))), ref.sha256, ref.uri);
    }
    const report = JSON.parse((await readArtifact(result.report)).toString('utf8'));
    assert.deepEqual(report.stages.dataset.shards, result.dataset.shards);
    assert.equal(result.status.state, 'completed');
    assert.equal(result.status.stages.dataset.state, 'completed');
    const pairs = await readJsonlArtifacts<Pair>(result.teacher!.map((r) => r.pairs));
    assert.ok(pairs.length >= 95, `${pairs.length} of ${lines} examples got a variant`);
    assert.ok(pairs.every((p) => p.teacher.kind === 'mutation' && p.incorrect !== p.correct));
    assert.equal(result.masks!.reduce((n, m) => n + m.masks.count, 0), pairs.length);
    assert.equal(result.status.stages.masks.state, 'completed');
  });

  test('pairs supplied by the dataset are masked shard by shard; an over-long pair is rejected, the rest proceed', async () => {
    const pairs = [
      { id: 'fig2', instruction: 'last index', response: 'def f(word):\n    return len(word) - 1\n', incorrect: 'def f(word):\n    return len(word) - 2\n' },
      { id: 'flip', instruction: 'positive', response: 'x = [v for v in xs if v > 0]\n', incorrect: 'x = [v for v in xs if v >= 0]\n' },
      { id: 'long', instruction: 'long', response: 'a'.repeat(80), incorrect: 'b'.repeat(80) },
      { id: 'emoji', instruction: 'greet', response: 'print("héllo 🙂")\n', incorrect: 'print("hello 🙂!")\n' },
      { id: 'nopair', instruction: 'no variant', response: 'pass\n' },
    ];
    const file = path.join(dir, 'pairs.jsonl');
    writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const input = experimentInput(file, { shardSize: 2 }, { teacher: { kind: 'dataset' }, masks: { maxChars: 60, parallelShards: 2 } });
    const result = (await (await startExperiment(t.client, input)).result()) as ExperimentResult;

    assert.equal(result.dataset.pairs, 4);
    assert.equal(result.masks?.length, 2, 'one masks activity per non-empty pairs shard');
    assert.deepEqual((await readJsonlArtifacts<TeacherReject>(result.teacher!.map((r) => r.rejects))).map((r) => r.id), ['nopair']);
    const masks = await readJsonlArtifacts<MaskLine>(result.masks!.map((r) => r.masks));
    assert.deepEqual(masks.map((m) => m.id), ['fig2', 'flip', 'emoji']);
    for (const m of masks) {
      const pair = pairs.find((p) => p.id === m.id)!;
      const expected = maskPair(pair.response, pair.incorrect!);
      assert.deepEqual({ correct: m.correct, incorrect: m.incorrect, stats: m.stats }, expected);
    }
    assert.deepEqual(masks[0].correct, { lineMask: [0, 1], charSpans: [[36, 37]] }); // the "1"
    const rejects = await readJsonlArtifacts<RecordError>(result.masks!.map((r) => r.rejects));
    assert.deepEqual(rejects, [{ id: 'long', field: 'correct', line: 3, reason: 'field "correct" is too long: 80 code points, the limit (maxChars) is 60' }]);
    assert.deepEqual(result.masks!.map((r) => r.unpaired), [0, 0]);
    assert.match(result.status.stages.masks.summary!, /^3 pairs masked, 1 rejected/);
    // "flip" only adds a "=" in the incorrect response: its correct side has no marked character
    assert.match(result.status.stages.masks.summary!, /; 1 with an empty correct side, 0 with an empty incorrect side$/);
    const report = JSON.parse((await readArtifact(result.report)).toString('utf8'));
    assert.deepEqual(report.stages.masks, result.masks);
    assert.deepEqual(
      [report.maskStatistics.pairsMasked, report.maskStatistics.rejected, report.maskStatistics.emptyCorrectSide, report.maskStatistics.emptyIncorrectSide],
      [3, 1, 1, 0],
    );
  });

  test('masks.anchorGaps reaches the masks stage: one-sided gaps are anchored and no side is empty', async () => {
    const pairs = [
      { id: 'flip', instruction: 'positive', response: 'x = [v for v in xs if v > 0]\n', incorrect: 'x = [v for v in xs if v >= 0]\n' },
      { id: 'omit', instruction: 'sum', response: 'def f(xs):\n    xs = list(xs)\n    return sum(xs)\n', incorrect: 'def f(xs):\n    return sum(xs)\n' },
    ];
    const file = path.join(dir, 'gaps.jsonl');
    writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const input = experimentInput(file, {}, { teacher: { kind: 'dataset' }, masks: { anchorGaps: true } });
    const result = (await (await startExperiment(t.client, input)).result()) as ExperimentResult;
    const masks = (await Promise.all(result.masks!.map((r) => readJsonlArtifact<MaskLine>(r.masks)))).flat();
    for (const m of masks) {
      const pair = pairs.find((p) => p.id === m.id)!;
      assert.deepEqual({ correct: m.correct, incorrect: m.incorrect, stats: m.stats }, maskPair(pair.response, pair.incorrect, { anchorGaps: true }));
    }
    // the common prefix takes the indentation, so the gap lies before "return": the last space and the "r"
    assert.deepEqual(masks[1].incorrect, { lineMask: [0, 1], charSpans: [[14, 16]] });
    assert.match(result.status.stages.masks.summary!, /^2 pairs masked, 0 rejected; .*; 0 with an empty correct side, 0 with an empty incorrect side$/);
  });

  test('a malformed line stops the run before any later stage, naming file and line; rejects are kept', async () => {
    const file = writeEvolDataset(dir, 'broken.jsonl', 5);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = '{"instruction": "unterminated';
    writeFileSync(file, lines.join('\n'));
    const handle = await startExperiment(t.client, experimentInput(file));
    const err = await handle.result().then(
      () => assert.fail('the run should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    const message = rootMessage(err);
    assert.match(message, new RegExp(`${escape(file)}:3: malformed JSON`));
    assert.match(message, /--skip-invalid/);
    const status = await handle.query(statusQuery);
    assert.equal(status.stages.dataset.state, 'failed');
    assert.equal(status.stages.report.state, 'pending');
  });

  test('with skipInvalid the run completes and every skipped record is listed with its reason', async () => {
    const file = writeEvolDataset(dir, 'mixed.jsonl', 6, 0, { faultable: true });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[1] = JSON.stringify({ instruction: 'no output here' });
    lines[4] = lines[0];
    writeFileSync(file, lines.join('\n') + '\n');
    const result = (await (await startExperiment(t.client, experimentInput(file, { skipInvalid: true }))).result()) as ExperimentResult;
    assert.deepEqual(result.dataset.counts, { items: 6, kept: 4, invalid: 1, duplicates: 1 });
    const rejects = await readJsonlArtifact<Reject>(result.dataset.rejects);
    assert.deepEqual(
      rejects.map((r) => [r.line, r.kind, r.field]),
      [
        [2, 'invalid', 'output'],
        [5, 'duplicate', undefined],
      ],
    );
    assert.match(rejects[0].reason, /mixed\.jsonl:2: missing field "output"/);
  });

  test('a missing dataset file fails at once, naming the file', async () => {
    const missing = path.join(dir, 'nope.jsonl');
    const handle = await startExperiment(t.client, experimentInput(missing));
    await assert.rejects(handle.result(), (e: Error) => rootMessage(e).includes(`${missing} does not exist`));
    const history = await handle.fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    assert.deepEqual(attempts, [1, 1], 'checkTeacher, then one attempt of the dataset stage: a non-retryable failure is not retried');
  });

  test('cancel stops a running stage and records it as cancelled', async () => {
    const big = writeEvolDataset(dir, 'big.jsonl', 60_000);
    const handle = await startExperiment(t.client, experimentInput(big, { shardSize: 100 }));
    await waitFor(async () => (await handle.query(statusQuery)).stages.dataset.state === 'running');
    await handle.cancel();
    await assert.rejects(handle.result(), /cancel/i);
    const description = await handle.describe();
    assert.equal(description.status.name, 'CANCELLED');
  });
});

function rootMessage(err: unknown): string {
  let current = err as { message: string; cause?: unknown };
  while (current.cause) current = current.cause as typeof current;
  return current.message;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
