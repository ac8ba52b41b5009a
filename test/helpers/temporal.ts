/**
 * Test setup: a real Temporal dev server (the embedded-server code the product uses) on a free
 * port with its own state folder, and helpers to run workers in this process or as real `fait
 * worker` subprocesses that a test can SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { readSettings, projectRoot, type Settings } from '../../config/settings';
import { startDevServer, type DevServer } from '../../temporal/devServer';

export interface TestTemporal {
  server: DevServer;
  stateDir: string;
  port: number;
  env: NodeJS.ProcessEnv;
  settings: Settings;
  client: Client;
  connection: Connection;
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestTemporal(): Promise<TestTemporal> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'fait-test-'));
  const port = await freePort();
  const env = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, FAIT_STATE_DIR: stateDir };
  const settings = readSettings(env);
  const launch = () =>
    startDevServer({
      binary: settings.temporalBinary,
      dbFile: path.join(stateDir, 'temporal.db'),
      logFile: path.join(stateDir, 'logs', 'temporal.log'),
      port,
      uiPort: port + 1,
      headless: true,
    });
  const t: TestTemporal = {
    server: await launch(),
    stateDir,
    port,
    env,
    settings,
    connection: undefined as unknown as Connection,
    client: undefined as unknown as Client,
    async restartServer() {
      await t.server.stop('SIGKILL');
      t.server = await launch();
    },
    async close() {
      await t.connection.close();
      await t.server.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  t.connection = await Connection.connect({ address: t.server.address });
  t.client = new Client({ connection: t.connection });
  return t;
}

/** A `fait worker` subprocess whose output lines a test can wait for. */
export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(env: NodeJS.ProcessEnv, queue: 'cpu' | 'gpu' | 'all' = 'all'): WorkerProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'fait'), 'worker', '--queue', queue], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      output.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no worker line matched ${pattern} in ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
