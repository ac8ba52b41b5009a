/**
 * EvalPlus's expected outputs: the canonical solution's outputs on every base and plus input, and
 * its run times, from which evalplus derives each input's time limit. They are computed by
 * `evalplus.evaluate.get_groundtruth` inside the sandbox and cached in the caller's cache folder,
 * one pickle per task under a folder named by the dataset file's sha256, so a changed dataset can
 * never be paired with stale outputs and a batch needs only its own tasks' outputs.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSandboxed, type SandboxMode } from '../sandbox';
import type { LoadedBenchmark } from './problems';
import type { PythonEnv } from './python';
import { runnerFiles } from './runnerFiles';

export interface GroundTruthOptions {
  bench: LoadedBenchmark;
  taskIds: readonly string[];
  cacheDir: string;
  sandbox: SandboxMode;
  python: PythonEnv;
  parallelism: number;
  /** Tasks per sandbox run. */
  tasksPerRun?: number;
  signal?: AbortSignal;
  /** After each computed task: how many of the missing ones are done. */
  onTask?: (taskId: string, done: number, missing: number) => void;
}

export function groundTruthDir(bench: LoadedBenchmark, cacheDir: string): string {
  return path.join(path.resolve(cacheDir), `evalplus-gt-${bench.spec.dataset}-${bench.sha256}`);
}

export function groundTruthFile(dir: string, taskId: string): string {
  return path.join(dir, taskId.replace(/\//g, '_') + '.pkl');
}

/** Computes the missing expected outputs of `taskIds`; returns the folder holding them. */
export async function ensureGroundTruth(o: GroundTruthOptions): Promise<string> {
  const dir = groundTruthDir(o.bench, o.cacheDir);
  mkdirSync(dir, { recursive: true });
  const missing = [...new Set(o.taskIds)].filter((id) => !existsSync(groundTruthFile(dir, id)));
  if (missing.length === 0) return dir;
  const per = o.tasksPerRun ?? 8;
  let done = 0;
  const progress = { onTask: (id: string) => o.onTask?.(id, ++done, missing.length) };
  const chunks: string[][] = [];
  for (let i = 0; i < missing.length; i += per) chunks.push(missing.slice(i, i + per));
  const work = async () => {
    for (let c = chunks.shift(); c; c = chunks.shift()) {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
      await computeChunk(o, dir, c, progress.onTask);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallelism, chunks.length)) }, work));
  return dir;
}

async function computeChunk(o: GroundTruthOptions, dir: string, taskIds: string[], onTask: (id: string) => void): Promise<void> {
  const rows = taskIds.map((id) => {
    const p = o.bench.byId.get(id);
    if (!p) throw new Error(`${id} is not a task of ${o.bench.spec.name}`);
    return p.raw;
  });
  const written = new Set<string>();
  let buf: Buffer = Buffer.alloc(0);
  let body: { taskId: string; remaining: number; fd: number; tmp: string } | undefined;
  let done = false;
  let protocolError: string | undefined;

  const finishBody = () => {
    closeSync(body!.fd);
    renameSync(body!.tmp, groundTruthFile(dir, body!.taskId));
    written.add(body!.taskId);
    onTask(body!.taskId);
    body = undefined;
  };
  const onStdout = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length > 0 && !protocolError) {
      if (body) {
        const n = Math.min(body.remaining, buf.length);
        writeSync(body.fd, buf, 0, n);
        body.remaining -= n;
        buf = buf.subarray(n);
        if (body.remaining === 0) finishBody();
        continue;
      }
      const nl = buf.indexOf(0x0a);
      if (nl < 0) return;
      let header: { event: string; task_id?: string; bytes?: number };
      try {
        header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as typeof header;
      } catch {
        protocolError = `the ground-truth runner wrote a header that is not JSON`;
        proc.kill('caller');
        return;
      }
      buf = buf.subarray(nl + 1);
      if (header.event === 'done') done = true;
      else if (header.event === 'gt' && header.task_id && taskIds.includes(header.task_id) && typeof header.bytes === 'number') {
        const tmp = path.join(dir, `.${header.task_id.replace(/\//g, '_')}.${randomBytes(6).toString('hex')}.tmp`);
        body = { taskId: header.task_id, remaining: header.bytes, fd: openSync(tmp, 'w'), tmp };
        if (header.bytes === 0) finishBody();
      } else protocolError = `unexpected message from the ground-truth runner: ${JSON.stringify(header).slice(0, 200)}`;
    }
  };

  const proc = startSandboxed({
    mode: o.sandbox,
    argv: [o.python.python, '-s', '-B', 'runner/evalplus_groundtruth.py'],
    files: { ...runnerFiles(['lane_io.py', 'evalplus_groundtruth.py']), 'problems.jsonl': rows.join('\n') + '\n' },
    readOnlyPaths: o.python.readOnlyPaths,
    env: {
      FAIT_DATASET: o.bench.spec.dataset,
      HUMANEVAL_OVERRIDE_PATH: 'problems.jsonl',
      MBPP_OVERRIDE_PATH: 'problems.jsonl',
      PYTHONDONTWRITEBYTECODE: '1',
    },
    // The canonical programs are trusted, but still run here; a few produce outputs of hundreds
    // of MB (Mbpp/255's pickle is 780 MB), which pass through the private /tmp on the way out.
    timeoutMs: 60 * 60_000,
    memoryMb: 12 * 1024,
    cpuSeconds: 3600,
    maxProcesses: 64,
    maxFileMb: 3072,
    tmpSizeMb: 3072,
    maxOutputBytes: 16 * 1024 ** 3,
    onStdout,
  });
  const abort = () => proc.kill('caller');
  o.signal?.addEventListener('abort', abort);
  proc.endInput();
  const result = await proc.result.finally(() => o.signal?.removeEventListener('abort', abort));
  if (body) {
    closeSync(body.fd);
    rmSync(body.tmp, { force: true });
  }
  if (protocolError || !done || result.exitCode !== 0) {
    throw new Error(
      `computing the expected outputs of ${taskIds.join(', ')} failed` +
        (protocolError ? `: ${protocolError}` : ` (exit ${result.exitCode}${result.signal ? `, ${result.signal}` : ''}${result.timedOut ? ', timed out' : ''})`) +
        `: ${result.stderr.trim().slice(-2000)}`,
    );
  }
  const lost = taskIds.filter((id) => !written.has(id));
  if (lost.length) throw new Error(`the ground-truth runner returned no outputs for ${lost.join(', ')}`);
}
