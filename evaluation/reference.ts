/**
 * `evalplus.evaluate` run directly, as a subprocess and outside the sandbox: the reference the
 * stage's verdicts and speed are checked against (tests, bench/). Only for trusted samples.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolvePython } from './python';
import { runnerDir } from './runnerFiles';
import type { RawSample } from './samples';
import type { HarnessStatus } from './verdicts';

export interface ReferenceOptions {
  dataset: 'humaneval' | 'mbpp';
  /** The dataset file evalplus reads (its override path): a .jsonl or .jsonl.gz with exactly the sampled tasks. */
  datasetFile: string;
  samples: readonly RawSample[];
  /** Scratch folder for the samples file and evalplus's results. */
  workDir: string;
  /** HOME for evalplus, whose ground-truth cache lives in ~/.cache/evalplus. */
  home: string;
  parallel: number;
  baseOnly?: boolean;
  python?: string;
}

export interface ReferenceResult {
  /** Until the process exited. */
  wallMs: number;
  /**
   * Until evalplus printed its scores. evalplus.evaluate then waits for its "stucking checker"
   * thread, which sleeps in 20 s steps, so the process lingers up to 20 s after its work is done.
   */
  scoredMs: number;
  /** Per task, per sample in file order: evalplus's base and plus statuses. */
  statuses: Map<string, { base: HarnessStatus; plus: HarnessStatus | null }[]>;
  /** evalplus's printed pass@k lines. */
  output: string;
}

export async function runEvalplusReference(o: ReferenceOptions): Promise<ReferenceResult> {
  const python = resolvePython(o.python).python;
  mkdirSync(o.workDir, { recursive: true });
  mkdirSync(o.home, { recursive: true });
  const samplesFile = path.join(o.workDir, 'samples.jsonl');
  const resultsFile = path.join(o.workDir, 'samples_eval_results.json');
  writeFileSync(samplesFile, o.samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  rmSync(resultsFile, { force: true }); // evalplus would otherwise print the old results
  const args = [path.join(runnerDir(), 'evalplus_reference.py'), '--dataset', o.dataset, '--samples', samplesFile, '--parallel', String(o.parallel)];
  if (o.baseOnly) args.push('--base_only');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: o.home,
    LANG: 'C.UTF-8',
    HUMANEVAL_OVERRIDE_PATH: o.datasetFile,
    MBPP_OVERRIDE_PATH: o.datasetFile,
    TQDM_DISABLE: '1',
    PYTHONUNBUFFERED: '1',
  };
  const started = Date.now();
  let scoredAt = 0;
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(python, args, { cwd: o.workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      if (text.includes('pass@')) scoredAt = Date.now();
      out = (out + text).slice(-200_000);
    });
    child.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-200_000)));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  const wallMs = Date.now() - started;
  if (code !== 0 || !existsSync(resultsFile)) throw new Error(`evalplus.evaluate failed (exit ${code}): ${output.slice(-3000)}`);
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
    eval: Record<string, { base_status: HarnessStatus; plus_status: HarnessStatus | null }[]>;
  };
  const statuses = new Map<string, { base: HarnessStatus; plus: HarnessStatus | null }[]>();
  for (const [task, rows] of Object.entries(results.eval)) {
    statuses.set(task, rows.map((r) => ({ base: r.base_status, plus: r.plus_status })));
  }
  return { wallMs, scoredMs: (scoredAt || Date.now()) - started, statuses, output: output.split('\n').filter((l) => /pass@|tests\)/.test(l)).join('\n') };
}
