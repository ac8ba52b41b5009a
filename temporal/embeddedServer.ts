/**
 * One embedded Temporal server shared by every `fait` command and worker on this machine that uses
 * the same state folder. Each user holds a lease (a file named for its pid, with the process's start
 * time so that a reused pid does not count); the server runs detached from any command and is
 * stopped by the last lessee to leave. A lease of a process that has ended (even by SIGKILL) holds
 * nothing: every acquire and release first drops those. All of this happens under a lock file, so
 * that a command leaving never stops the server under one that is arriving.
 *
 *   <stateDir>/server/lock          held while a command starts, joins, leaves or stops the server
 *   <stateDir>/server/server.json   the server this scheme started: pid, start time, address
 *   <stateDir>/server/leases/<pid>  one per command or worker using it
 *
 * A server that this scheme did not start (`fait server` in the foreground, or anything else
 * answering on the port) is used but never stopped.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import path from 'node:path';
import { isServing, startDevServer, type DevServerOptions } from './devServer';
import { isAlive, processStart, selfRef, type ProcessRef } from './processes';

interface ServerRecord extends ProcessRef {
  address: string;
  uiUrl?: string;
  /** Set once SIGTERM was sent; a newcomer waits for it to exit before starting another. */
  stopping?: boolean;
}

export interface EmbeddedLease {
  address: string;
  uiUrl?: string;
  /** This command started the server (it may still outlive the command). */
  started: boolean;
  /** Whether the server will keep running after this lease is released: another live lessee, or a server not ours to stop. */
  outlivesLease(): boolean;
  /** Drops the lease; the last one stops the server. `wait: false` sends SIGTERM without waiting for the exit (Ctrl-C). */
  release(options?: { wait?: boolean }): Promise<void>;
}

const lockWaitMs = 120_000;
const stopWaitMs = 10_000;

export function serverDir(stateDir: string): string {
  return path.join(stateDir, 'server');
}

export async function acquireEmbeddedServer(stateDir: string, server: DevServerOptions): Promise<EmbeddedLease> {
  const dir = serverDir(stateDir);
  const address = `127.0.0.1:${server.port}`;
  const leaseFile = path.join(dir, 'leases', String(process.pid));
  const { started, uiUrl } = await withLock(dir, async () => {
    dropDeadLeases(dir);
    writeFileSync(leaseFile, JSON.stringify(selfRef()));
    try {
      return await ensureServing(dir, address, server);
    } catch (err) {
      rmSync(leaseFile, { force: true });
      throw err;
    }
  });
  let released = false;
  return {
    address,
    uiUrl,
    started,
    outlivesLease() {
      const record = readRecord(dir);
      return record === undefined || record.address !== address || liveLeases(dir).some((l) => l.pid !== process.pid);
    },
    async release({ wait = true } = {}) {
      if (released) return;
      released = true;
      await withLock(dir, async () => {
        rmSync(leaseFile, { force: true });
        if (liveLeases(dir).length === 0) await stopRecorded(dir, wait);
      });
    },
  };
}

/** `fait server stop`: stops the shared server. Returns what it did, for the user. */
export async function stopEmbeddedServer(stateDir: string, force: boolean): Promise<string> {
  const dir = serverDir(stateDir);
  return withLock(dir, async () => {
    const record = readRecord(dir);
    if (!record || !isAlive(record)) return 'no shared embedded server is running';
    const holders = liveLeases(dir);
    if (holders.length > 0 && !force) {
      throw new UsageError(`the embedded server on ${record.address} is in use by pid ${holders.map((h) => h.pid).join(', ')}; stop those commands first or use --force`);
    }
    await stopRecorded(dir, true);
    return `stopped the embedded Temporal server on ${record.address} (pid ${record.pid})`;
  });
}

/** A problem with what the user asked for (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

async function ensureServing(dir: string, address: string, server: DevServerOptions): Promise<{ started: boolean; uiUrl?: string }> {
  let record = readRecord(dir);
  if (record && isAlive(record) && record.stopping) {
    // The last lessee is stopping it: wait for the port to be free before starting a new one.
    await waitForExit(record, stopWaitMs + 2_000);
  }
  if (record && !isAlive(record)) {
    rmSync(recordFile(dir), { force: true });
    record = undefined;
  }
  if (record && !record.stopping && record.address !== address) {
    throw new UsageError(
      `the embedded server of ${path.dirname(dir)} runs on ${record.address}, not ${address}: set FAIT_TEMPORAL_PORT to its port, or stop it first (\`fait server stop\`)`,
    );
  }
  const joined = () => ({ started: false, uiUrl: record?.uiUrl ?? (server.headless ? undefined : `http://localhost:${server.uiPort}`) });
  if (!record?.stopping && (await isServing(address))) return joined();
  if (record && isAlive(record) && !record.stopping) {
    // Spawned by a command that was killed while it started: give it the time a start takes.
    const deadline = Date.now() + (server.readyTimeoutMs ?? 60_000);
    while (isAlive(record) && Date.now() < deadline) {
      if (await isServing(address)) return joined();
      await sleep(200);
    }
  }
  if (record && isAlive(record)) {
    // Ours, alive, but not answering (hung, or still stopping): replace it.
    signal(record.pid, 'SIGKILL');
    await waitForExit(record, stopWaitMs);
    rmSync(recordFile(dir), { force: true });
  }
  // Recorded at once, so that a command killed while the server starts does not leave one nobody stops.
  const writeRecord = (pid: number, uiUrl?: string) =>
    writeAtomically(recordFile(dir), JSON.stringify({ pid, start: processStart(pid), address, uiUrl } satisfies ServerRecord));
  const started = await startDevServer({ ...server, detached: true, onSpawn: (pid) => writeRecord(pid) });
  writeRecord(started.process.pid!, started.uiUrl);
  return { started: true, uiUrl: started.uiUrl };
}

async function stopRecorded(dir: string, wait: boolean): Promise<void> {
  const record = readRecord(dir);
  if (!record) return;
  if (!isAlive(record)) {
    rmSync(recordFile(dir), { force: true });
    return;
  }
  if (!record.stopping) {
    signal(record.pid, 'SIGTERM');
    writeAtomically(recordFile(dir), JSON.stringify({ ...record, stopping: true }));
  }
  if (!wait) return;
  if (!(await waitForExit(record, stopWaitMs))) {
    signal(record.pid, 'SIGKILL');
    await waitForExit(record, 2_000);
  }
  rmSync(recordFile(dir), { force: true });
}


function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

async function waitForExit(ref: ProcessRef, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(ref)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function recordFile(dir: string): string {
  return path.join(dir, 'server.json');
}

function readRecord(dir: string): ServerRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(dir), 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
}

function liveLeases(dir: string): ProcessRef[] {
  return dropDeadLeases(dir);
}

/** Removes the leases of ended processes; returns the live ones. */
function dropDeadLeases(dir: string): ProcessRef[] {
  const leases = path.join(dir, 'leases');
  mkdirSync(leases, { recursive: true });
  const live: ProcessRef[] = [];
  for (const name of readdirSync(leases)) {
    const file = path.join(leases, name);
    let ref: ProcessRef | undefined;
    try {
      ref = JSON.parse(readFileSync(file, 'utf8')) as ProcessRef;
    } catch {
      ref = undefined;
    }
    if (ref && isAlive(ref)) live.push(ref);
    else rmSync(file, { force: true });
  }
  return live;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

let lockHeld: string | undefined;

/** Removes this process's lock file if it holds one (exit paths that skip `finally`). */
export function dropHeldLock(): void {
  if (lockHeld) rmSync(lockHeld, { force: true });
  lockHeld = undefined;
}

async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(selfRef()));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(file)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the embedded server's lock ${file} has been held for ${lockWaitMs / 1000} s; remove it if no fait command is running`);
    await sleep(50);
  }
  lockHeld = file;
  try {
    return await body();
  } finally {
    lockHeld = undefined;
    rmSync(file, { force: true });
  }
}

/** A lock whose holder has ended (or that stayed empty for 5 s: its holder died while writing it). */
function lockIsStale(file: string): boolean {
  try {
    const text = readFileSync(file, 'utf8');
    if (text === '') return Date.now() - statSync(file).mtimeMs > 5_000;
    return !isAlive(JSON.parse(text) as ProcessRef);
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
