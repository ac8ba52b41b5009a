/**
 * The quick start across machines that share nothing but S3 and Temporal: `fait run` of
 * config/examples/quickstart.yaml (its tiny model made here, plus a two-task HumanEval+ evaluation
 * so that the trained model also travels through S3 to generation) against a CPU worker and a GPU
 * worker, each a `fait worker` subprocess with its own FAIT_STATE_DIR and FAIT_ARTIFACTS=s3://...
 * on a real SeaweedFS server. The first GPU worker is SIGKILLed once a checkpoint is stored; a
 * second one, with another empty state folder, downloads it and resumes from it.
 *
 * Checked: the run completes; every artifact reference is an s3:// URI of an object in the bucket;
 * no worker wrote a local artifact store; the secret key appears nowhere in any state folder (logs,
 * the Temporal database with the histories) nor in the workflow history.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { readArtifact, type ArtifactRef } from '../artifacts/store';
import { projectRoot } from '../config/settings';
import type { ExperimentResult } from '../workflows';
import { startTestS3, type TestS3 } from './helpers/seaweed';
import { spawnWorker, startTestTemporal, type TestTemporal, type WorkerProcess } from './helpers/temporal';

const secret = `fait-e2e-secret-${randomBytes(8).toString('hex')}`;

describe('quick start with an S3 artifact store', () => {
  let t: TestTemporal;
  let s3: TestS3;
  let work: string;
  const workers: WorkerProcess[] = [];
  const stateDirs: string[] = [];
  const saved = { ...process.env };

  before(async () => {
    t = await startTestTemporal();
    s3 = await startTestS3({ bucket: 'fait-e2e', secretKey: secret });
    work = mkdtempSync(path.join(tmpdir(), 'fait-s3-e2e-'));
    Object.assign(process.env, s3.env); // this process reads the results back, as `fait` would
  });

  after(async () => {
    process.env = saved;
    for (const w of workers) await w.kill('SIGKILL');
    await s3?.stop();
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The environment of one "machine": its own state folder, the shared Temporal server and bucket. */
  const machine = (name: string) => {
    const stateDir = path.join(work, name);
    stateDirs.push(stateDir);
    return { ...saved, ...s3.env, TEMPORAL_ADDRESS: t.server.address, FAIT_STATE_DIR: stateDir, FAIT_ARTIFACTS: `s3://${s3.bucket}/quickstart` };
  };

  test('runs end to end on SeaweedFS, resumes training on another machine, and stores nothing locally', async () => {
    const model = path.join(work, 'tiny-model');
    execFileSync(t.settings.python, ['-m', 'fait_trainer', 'tiny-model', '--corpus', path.join(projectRoot, 'examples', 'python-tasks.jsonl'), '--out', model]);
    const quickstart = parse(readFileSync(path.join(projectRoot, 'config', 'examples', 'quickstart.yaml'), 'utf8'));
    quickstart.dataset.path = path.join(projectRoot, 'examples', 'python-tasks.jsonl');
    quickstart.training.model = model;
    quickstart.evaluation = { benchmarks: ['humaneval+'], limit: 2, maxNewTokens: 16 };
    // A short heartbeat timeout, so the killed GPU worker's activity is retried in half a minute, not ten (the trainer's start, torch imports included, must fit in it).
    quickstart.stages = { training: { heartbeatTimeout: '30s', initialInterval: '200ms', maximumInterval: '1s', maximumAttempts: 10 } };
    const configFile = path.join(work, 'quickstart.yaml');
    writeFileSync(configFile, stringify(quickstart));

    const cpu = spawnWorker(machine('cpu-machine'), 'cpu');
    const gpu1 = spawnWorker(machine('gpu-machine-1'), 'gpu');
    workers.push(cpu, gpu1);
    await Promise.all([cpu.waitForLine(/worker polling fait-cpu/), gpu1.waitForLine(/worker polling fait-gpu/)]);

    const id = `s3-quickstart-${Date.now()}`;
    const run = spawn(process.execPath, [path.join(projectRoot, 'bin', 'fait'), 'run', configFile, '--id', id, '--worker', 'no'], {
      env: machine('client-machine'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let runOutput = '';
    run.stdout!.on('data', (c: Buffer) => (runOutput += c.toString('utf8')));
    run.stderr!.on('data', (c: Buffer) => (runOutput += c.toString('utf8')));
    const runExit = new Promise<number | null>((resolve) => run.once('exit', resolve));

    const stored = await gpu1.waitForLine(/training: stored checkpoint step-\d+/, 300_000);
    await gpu1.kill('SIGKILL');
    const step = Number(/step-(\d+)/.exec(stored)![1]);

    const gpu2 = spawnWorker(machine('gpu-machine-2'), 'gpu');
    workers.push(gpu2);
    assert.equal(await runExit, 0, runOutput);
    const result = (await t.client.workflow.getHandle(id).result()) as ExperimentResult;

    // Training resumed on the second machine from the checkpoint the first one stored.
    assert.match(gpu2.output.join('\n'), /training: downloaded checkpoint step-\d+/);
    const epoch = result.training![result.training!.length - 1];
    assert.ok(result.training![0].resumedFrom !== undefined && result.training![0].resumedFrom >= step, `resumed from ${result.training![0].resumedFrom}, stored ${step}`);
    assert.match(epoch.outputDir!, /^s3:\/\/fait-e2e\/quickstart\/sha256\/.*\.dir\.json$/);
    assert.equal(result.status.state, 'completed');
    assert.equal(result.evaluation!.trained.benchmarks[0].score.tasks, 2);

    // Every artifact reference points into the bucket and reads back intact.
    const refs = collectRefs(result);
    assert.ok(refs.length >= 10, `${refs.length} artifact references`);
    for (const ref of refs) {
      assert.match(ref.uri, /^s3:\/\/fait-e2e\/quickstart\/sha256\//);
      await readArtifact(ref);
    }

    // No machine wrote a local artifact store; the secret is nowhere on disk or in the history.
    for (const dir of stateDirs) assert.equal(existsSync(path.join(dir, 'artifacts')), false, `${dir} has no local artifact store`);
    const history = JSON.stringify(await t.client.workflow.getHandle(id).fetchHistory());
    assert.equal(history.includes(secret), false, 'the secret key is not in the workflow history');
    for (const dir of [...stateDirs, t.stateDir]) {
      for (const file of filesUnder(dir)) assert.equal(readFileSync(file).includes(secret), false, `the secret key is not in ${file}`);
    }
    await Promise.all([cpu.kill(), gpu2.kill()]);
  });
});

function collectRefs(value: unknown, out: ArtifactRef[] = []): ArtifactRef[] {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.uri === 'string' && typeof v.sha256 === 'string') out.push(v as unknown as ArtifactRef);
    else for (const child of Object.values(v)) collectRefs(child, out);
  }
  return out;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}
