/**
 * Runs one untrusted command under bubblewrap (or, for `sandbox: none`, with the same limits and
 * no isolation). The parent owns the two limits the kernel cannot apply: total output, enforced by
 * counting what it reads, and wall clock, enforced by killing bwrap's process group, which takes
 * the sandbox's init and with it every process of the sandbox's pid namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { assertSandboxMode, sandboxSupport } from './availability';
import { bwrapArgs, checkWorkdirPath, prlimitArgs, SANDBOX_WORKDIR, type SandboxIdentity } from './bwrapArgs';
import { checkReadOnlyPath, systemMounts } from './systemPaths';
import type { SandboxKillReason, SandboxOptions, SandboxProcess, SandboxResult } from './types';
import { acquireSandboxUid } from './uids';

const MB = 1024 * 1024;
const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

export const NONE_MODE_WARNING =
  'sandbox: none - the command ran without isolation (it could read and change your files, use the network ' +
  'and see other processes); only the resource limits applied';

/** Starts the command; the caller may keep talking to its stdin. */
export function startSandboxed(opts: SandboxOptions): SandboxProcess {
  validate(opts);
  const mode = opts.mode ?? 'bwrap';
  assertSandboxMode(mode);
  const files = Object.entries(opts.files ?? {}).map(([rel, content]) => ({ rel: checkWorkdirPath(rel), content }));
  const limits = prlimitArgs({
    memoryBytes: opts.memoryMb * MB,
    cpuSeconds: opts.cpuSeconds,
    maxProcesses: opts.maxProcesses,
    maxFileBytes: (opts.maxFileMb ?? 64) * MB,
  });

  let child: ChildProcess;
  let cleanup = () => {};
  let workdir = SANDBOX_WORKDIR;
  if (mode === 'bwrap') {
    const support = sandboxSupport();
    const lease = support.identity === 'root' ? acquireSandboxUid() : undefined;
    const identity: SandboxIdentity = lease
      ? { kind: 'root', uid: lease.uid }
      : { kind: 'userns', disableNestedUserns: support.disableNestedUserns ?? false };
    const args = bwrapArgs({
      system: systemMounts(),
      readOnlyPaths: opts.readOnlyPaths ?? [],
      files: files.map((f, i) => ({ relPath: f.rel, fd: 3 + i })),
      env: sandboxEnv(workdir, opts.env),
      tmpSizeBytes: (opts.tmpSizeMb ?? 256) * MB,
      shmSizeBytes: 64 * MB,
      identity,
      limits,
      argv: opts.argv,
    });
    // bwrap's own environment is visible to the sandbox as /proc/1/environ under a user namespace.
    child = spawn(support.bwrapPath!, args, {
      stdio: ['pipe', 'pipe', 'pipe', ...files.map(() => 'pipe' as const)],
      detached: true,
      env: { PATH: '/usr/bin:/bin' },
    });
    files.forEach((f, i) => {
      const s = child.stdio[3 + i] as Writable;
      s.on('error', () => {}); // bwrap died before reading it; the exit status tells why
      s.end(f.content);
    });
    cleanup = () => lease?.release();
  } else {
    workdir = mkdtempSync(path.join(tmpdir(), 'fait-sandbox-'));
    for (const f of files) {
      const dest = path.join(workdir, f.rel);
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, f.content);
    }
    child = spawn(limits[0], [...limits.slice(1), '--', ...opts.argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      cwd: workdir,
      env: sandboxEnv(workdir, opts.env),
    });
    const dir = workdir;
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  return supervise(child, opts, mode, cleanup);
}

/** Runs the command to the end with `opts.stdin` (if any) as its input. */
export async function runSandboxed(opts: SandboxOptions): Promise<SandboxResult> {
  const p = startSandboxed(opts);
  if (opts.stdin !== undefined) p.write(opts.stdin);
  p.endInput();
  return p.result;
}

function sandboxEnv(workdir: string, extra: Record<string, string> | undefined): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: workdir, TMPDIR: workdir, LANG: 'C.UTF-8', ...(extra ?? {}) };
}

function validate(o: SandboxOptions): void {
  if (!Array.isArray(o.argv) || o.argv.length === 0 || o.argv.some((a) => typeof a !== 'string')) {
    throw new Error('sandbox: argv must be a non-empty array of strings');
  }
  const positive: (keyof SandboxOptions)[] = ['timeoutMs', 'memoryMb', 'cpuSeconds', 'maxProcesses', 'maxOutputBytes'];
  for (const k of positive) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`sandbox: ${k} must be a positive number`);
  }
  for (const p of o.readOnlyPaths ?? []) checkReadOnlyPath(p);
}

function supervise(child: ChildProcess, opts: SandboxOptions, mode: SandboxResult['mode'], cleanup: () => void): SandboxProcess {
  const started = Date.now();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let total = 0;
  let killReason: SandboxKillReason | undefined;
  let inputOpen = true;

  const stdin = child.stdin!;
  stdin.on('error', () => {
    inputOpen = false;
  });

  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const kill = (reason: SandboxKillReason = 'caller') => {
    if (killReason === undefined) killReason = reason;
    killGroup();
  };

  const take = (chunk: Buffer, into: Buffer[], stream: Readable, cb: ((c: Buffer) => void) | undefined) => {
    if (killReason === 'output') return;
    const room = opts.maxOutputBytes - total;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    total += part.length;
    if (cb) cb(part);
    else into.push(part);
    if (chunk.length > room) {
      kill('output');
      stream.destroy();
    }
  };
  child.stdout!.on('data', (c: Buffer) => take(c, out, child.stdout!, opts.onStdout));
  child.stderr!.on('data', (c: Buffer) => take(c, err, child.stderr!, opts.onStderr));

  const timer = setTimeout(() => kill('timeout'), opts.timeoutMs);

  const result = new Promise<SandboxResult>((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      // Whatever bwrap left behind dies with its process group (in mode none, the command's group).
      killGroup();
      cleanup();
      const code = exit?.code ?? null;
      let signal = exit?.signal ?? null;
      if (signal === null && mode === 'bwrap' && code !== null && code > 128 && code < 128 + 65) {
        signal = signalName(code - 128);
      }
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut: killReason === 'timeout',
        outputLimited: killReason === 'output',
        killed: killReason === 'caller',
        durationMs: Date.now() - started,
        mode,
        isolated: mode === 'bwrap',
        ...(mode === 'none' ? { warning: NONE_MODE_WARNING } : {}),
      });
    };
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // In mode none a setsid()'d descendant can hold the pipes open forever; bwrap's namespace cannot.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, 2000);
    });
    child.on('close', (code, signal) => {
      exit = { code, signal };
      finish();
    });
  });

  return {
    pid: child.pid ?? -1,
    write: (data) => {
      if (!inputOpen || stdin.destroyed || stdin.writableEnded) return false;
      stdin.write(data);
      return true;
    },
    endInput: () => {
      inputOpen = false;
      if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
    },
    kill,
    result,
  };
}

function signalName(n: number): NodeJS.Signals | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}
