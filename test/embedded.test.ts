/**
 * The embedded server under normal use, as a user runs it: real `fait` subprocesses without
 * TEMPORAL_ADDRESS, each test with its own state folder and ports. Concurrent commands share one
 * server, a stopped worker does not make `--worker auto` wait for it, and Ctrl-C is quick and quiet.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../config/settings';
import { isServing } from '../temporal/devServer';
import { isAlive } from '../temporal/processes';
import { taskQueues } from '../temporal/queues';
import { writeEvolDataset } from './helpers/experiment';
import { freePort, spawnWorker } from './helpers/temporal';

const fait = path.join(projectRoot, 'bin', 'fait');

interface Session {
  dir: string;
  env: NodeJS.ProcessEnv;
  address: string;
}

const sessions: Session[] = [];

async function session(): Promise<Session> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fait-embedded-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, FAIT_STATE_DIR: path.join(dir, 'state'), FAIT_TEMPORAL_PORT: String(port), FAIT_UI_PORT: String(await freePort()) };
  delete env.TEMPORAL_ADDRESS;
  const s = { dir, env, address: `127.0.0.1:${port}` };
  sessions.push(s);
  return s;
}

function experiment(s: Session, name: string, records: number): string {
  writeEvolDataset(s.dir, `${name}.jsonl`, records, 0, { faultable: true }); // the teacher must find faults to make, or the run fails (teacher.maxRejectRatio)
  const file = path.join(s.dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ndataset:\n  path: ${name}.jsonl\n  shardSize: 1000\n`);
  return file;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `fait` subprocess whose output a test can watch while it runs. */
function start(s: Session, args: string[]) {
  const child = spawn(process.execPath, [fait, ...args], { env: s.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString('utf8')));
  const done = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, ...out })));
  return { child, out, done };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The shared server this scheme started is gone: no record left, nothing answering. */
async function serverStopped(s: Session): Promise<boolean> {
  const record = path.join(s.env.FAIT_STATE_DIR!, 'server', 'server.json');
  if (existsSync(record) && isAlive(JSON.parse(readFileSync(record, 'utf8')))) return false;
  return !(await isServing(s.address));
}

describe('embedded server', { concurrency: false }, () => {
  after(async () => {
    for (const s of sessions) rmSync(s.dir, { recursive: true, force: true });
  });

  test('two concurrent runs share one embedded server and both complete; the last one stops it', async () => {
    const s = await session();
    const file = experiment(s, 'twice', 40);
    // Started together: one starts the server under the lock while the other waits, then joins it.
    const [a, b] = await Promise.all([start(s, ['run', file, '--id', 'first']).done, start(s, ['run', file, '--id', 'second']).done]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(a.stderr, /first: completed/);
    assert.match(b.stderr, /second: completed/);
    const starts = `${a.stderr}${b.stderr}`.match(/started the embedded Temporal server/g) ?? [];
    assert.equal(starts.length, 1, 'one server, started by one command and joined by the other');
    await until('the server to stop after the last command', () => serverStopped(s), 20_000);
  });

  test('a worker that stopped (still listed as a poller) does not make the next run wait for it', async (t) => {
    const s = await session();
    // A foreground server keeps the poller list across the worker's death, as a long-lived one does.
    const server = start(s, ['server', '--headless']);
    t.after(async () => {
      server.child.kill('SIGINT');
      await server.done;
    });
    await until('the foreground server', () => /Temporal server on/.test(server.out.stdout));
    const worker = spawnWorker(s.env);
    await worker.waitForLine(/worker polling/);
    const connection = await Connection.connect({ address: s.address });
    try {
      const client = new Client({ connection });
      const listed = async () => {
        const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueues.cpu }, taskQueueType: 1 });
        return (pollers ?? []).some((p) => p.identity?.startsWith(`${worker.child.pid}@`));
      };
      await until('the worker to poll', listed, 60_000);
      await worker.kill('SIGKILL');
      assert.ok(await listed(), 'the server still lists the dead worker as a poller');
    } finally {
      await connection.close();
    }
    const result = await start(s, ['run', experiment(s, 'after-worker', 20), '--id', 'after-worker']).done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /after-worker: completed/);
  });

  test('a SIGKILLed command holds nothing: the next command joins its server and, as the last lessee, stops it', async () => {
    const s = await session();
    const worker = spawnWorker(s.env);
    await worker.waitForLine(/worker polling/);
    await worker.kill('SIGKILL');
    assert.ok(await isServing(s.address), 'the server outlives the killed command');
    const list = await start(s, ['list']).done;
    assert.deepEqual([list.code, list.stdout, list.stderr], [0, 'no runs yet\n', ''], 'joined, not started');
    await until('the server to stop after the last live command', () => serverStopped(s), 20_000);
  });

  test('Ctrl-C on a followed run exits within 2 s with one line, no server logs, and the server stops', async (t) => {
    const s = await session();
    const file = experiment(s, 'interrupted', 200_000);
    const run = start(s, ['run', file, '--id', 'interrupted']);
    await until('the run to be followed', () => /^dataset: running/m.test(run.out.stderr));
    const before = run.out.stderr.length;
    const sent = Date.now();
    run.child.kill('SIGINT');
    const result = await run.done;
    const took = Date.now() - sent;
    assert.equal(result.code, 130);
    t.diagnostic(`exited ${took} ms after SIGINT`);
    assert.ok(took < 2_000, `exited ${took} ms after SIGINT`);
    assert.equal(result.stdout, 'interrupted\n', 'stdout holds only the run id');
    // Progress lines racing the signal may precede it; after it comes exactly one line of our own.
    const afterSignal = result.stderr.slice(before).split('\n').filter((l) => l && !/^(dataset|teacher|masks|training|evaluation|report): /.test(l));
    assert.deepEqual(afterSignal, ['stopped following interrupted; the run is kept and goes on while a worker runs (`fait worker`); `fait status interrupted` shows it']);
    assert.doesNotMatch(result.stderr.slice(before), /WARN|Connection refused/);
    await until('the server to stop after the interrupted command', () => serverStopped(s), 20_000);
  });
});
