/**
 * Evaluates one batch of samples: the unit an activity runs per call (and heartbeats through
 * onVerdict), so a crash or a retry repeats at most one batch. Samples run in parallel lanes, one
 * per core, each a sandbox running the harness's own checker (see lanes.ts and runner/).
 */
import { availableParallelism } from 'node:os';
import { assertSandboxMode, type SandboxMode } from '../sandbox';
import { evalEnvPython } from './evalEnv';
import { ensureGroundTruth } from './groundTruth';
import { runLanes, type LaneCommand } from './lanes';
import { loadBenchmark, type LoadedBenchmark } from './problems';
import { checkHarness, resolvePython, type PythonEnv } from './python';
import { runnerFiles } from './runnerFiles';
import type { ProgramSample } from './samples';
import { combineOutcomes, type SampleVerdict } from './verdicts';

export interface EvaluationLimits {
  /** Address space of every process of a lane; at least evalplus's own 4 GB per check. */
  memoryMb: number;
  /** CPU seconds of every process of a lane (the runner lives as long as its lane). */
  cpuSeconds: number;
  maxProcesses: number;
  maxFileMb: number;
  tmpSizeMb: number;
  /** Output one sample may write to stdout/stderr; past it the sample fails as output_limit. */
  perSampleOutputBytes: number;
  /** Slack over the harness's own time limit for a check before its lane is killed (timeout). */
  graceMs: number;
  /** Longest wait for a runner to begin a check (loading its expected outputs). */
  startTimeoutMs: number;
  /** Wall clock of a whole lane. */
  laneTimeoutMs: number;
}

export const DEFAULT_LIMITS: EvaluationLimits = {
  memoryMb: 8192,
  cpuSeconds: 3600,
  maxProcesses: 64,
  maxFileMb: 256,
  tmpSizeMb: 512,
  perSampleOutputBytes: 8 * 1024 * 1024,
  graceMs: 15_000,
  startTimeoutMs: 300_000,
  laneTimeoutMs: 12 * 3600_000,
};

export interface EvaluateBatchOptions {
  benchmark: string;
  samples: readonly ProgramSample[];
  /** Where expected outputs are cached (per dataset sha256). */
  cacheDir: string;
  dataDir?: string;
  sandbox?: SandboxMode;
  /** Lanes (sandboxes checking samples at the same time); default: the number of cores. */
  parallelism?: number;
  /**
   * Python with the harnesses installed. Default for BigCodeBench: the environment of
   * `fait eval setup bigcodebench` in `bigcodebenchEnvDir` when it was set up, then (as for the
   * other benchmarks) FAIT_PYTHON, then <repo>/.venv/bin/python.
   */
  python?: string;
  /** Where `fait eval setup bigcodebench` built its environment (<state dir>/eval-envs/bigcodebench). */
  bigcodebenchEnvDir?: string;
  limits?: Partial<EvaluationLimits>;
  onVerdict?: (verdict: SampleVerdict, done: number, total: number) => void;
  /** After each task whose expected outputs had to be computed first (a first batch can spend minutes there). */
  onExpectedOutputs?: (taskId: string, done: number, missing: number) => void;
  signal?: AbortSignal;
}

/** Verdicts in the order of `samples`. */
export async function evaluateBatch(o: EvaluateBatchOptions): Promise<SampleVerdict[]> {
  const mode = o.sandbox ?? 'bwrap';
  assertSandboxMode(mode);
  const bench = loadBenchmark(o.benchmark, { dataDir: o.dataDir });
  const python = resolvePython(o.python ?? (bench.spec.family === 'bigcodebench' ? evalEnvPython(o.bigcodebenchEnvDir) : undefined));
  checkHarness(python, bench.spec.family);
  const limits = { ...DEFAULT_LIMITS, ...(o.limits ?? {}) };
  const parallelism = o.parallelism ?? availableParallelism();
  const samples = numberSamples(o.samples, bench);
  if (samples.length === 0) return [];

  const taskIds = [...new Set(samples.map((s) => s.taskId))];
  const rows = taskIds.map((id) => bench.byId.get(id)!.raw).join('\n') + '\n';
  const laneSetup =
    bench.spec.family === 'evalplus'
      ? await evalplusLane(o, bench, python, mode, taskIds, parallelism)
      : bigcodebenchLane(limits);

  const commands: LaneCommand[] = samples.map((s, seq) => ({ seq, task_id: s.taskId, solution: s.program }));
  const parts = bench.spec.plus ? ['base', 'plus'] : ['base'];
  const verdicts: (SampleVerdict | undefined)[] = new Array(samples.length);
  let done = 0;
  await runLanes({
    commands,
    parallelism,
    parts,
    perSampleOutputBytes: limits.perSampleOutputBytes,
    graceMs: limits.graceMs,
    startTimeoutMs: limits.startTimeoutMs,
    signal: o.signal,
    sandbox: {
      mode,
      argv: [python.python, '-s', '-B', laneSetup.script],
      files: { ...runnerFiles(['lane_io.py', laneSetup.script.slice('runner/'.length)]), 'problems.jsonl': rows },
      readOnlyPaths: [...python.readOnlyPaths, ...laneSetup.readOnlyPaths],
      env: { ...laneSetup.env, FAIT_SWEEP: mode === 'bwrap' ? '1' : '0', PYTHONDONTWRITEBYTECODE: '1' },
      timeoutMs: limits.laneTimeoutMs,
      memoryMb: limits.memoryMb,
      cpuSeconds: limits.cpuSeconds,
      maxProcesses: limits.maxProcesses,
      maxFileMb: limits.maxFileMb,
      tmpSizeMb: limits.tmpSizeMb,
      // Per-sample output is limited by the lane; this only bounds a lane as a whole.
      maxOutputBytes: Number.MAX_SAFE_INTEGER,
    },
    onOutcome: (seq, outcome) => {
      const s = samples[seq];
      const v = combineOutcomes(s.taskId, s.sampleIndex, outcome.parts.base, outcome.parts.plus, outcome.durationMs);
      verdicts[seq] = v;
      o.onVerdict?.(v, ++done, samples.length);
    },
  });
  const missing = verdicts.findIndex((v) => v === undefined);
  if (missing >= 0) throw new Error(`no verdict for sample #${missing} (${samples[missing].taskId})`);
  return verdicts as SampleVerdict[];
}

interface LaneSetup {
  script: string;
  env: Record<string, string>;
  readOnlyPaths: string[];
}

async function evalplusLane(
  o: EvaluateBatchOptions,
  bench: LoadedBenchmark,
  python: PythonEnv,
  mode: SandboxMode,
  taskIds: string[],
  parallelism: number,
): Promise<LaneSetup> {
  const gtDir = await ensureGroundTruth({
    bench,
    taskIds,
    cacheDir: o.cacheDir,
    sandbox: mode,
    python,
    parallelism,
    signal: o.signal,
    onTask: o.onExpectedOutputs,
  });
  return {
    script: 'runner/evalplus_lane.py',
    env: {
      FAIT_DATASET: bench.spec.dataset,
      FAIT_GT_DIR: gtDir,
      FAIT_BASE_ONLY: bench.spec.plus ? '0' : '1',
      HUMANEVAL_OVERRIDE_PATH: 'problems.jsonl',
      MBPP_OVERRIDE_PATH: 'problems.jsonl',
    },
    readOnlyPaths: [gtDir],
  };
}

function bigcodebenchLane(limits: EvaluationLimits): LaneSetup {
  return {
    script: 'runner/bigcodebench_lane.py',
    env: {
      BIGCODEBENCH_OVERRIDE_PATH: 'problems.jsonl',
      // bigcodebench's own rlimits may not exceed the sandbox's (its default is 30 GB).
      FAIT_MAX_AS_MB: String(Math.min(30 * 1024, limits.memoryMb)),
      MPLBACKEND: 'Agg',
    },
    readOnlyPaths: [],
  };
}

function numberSamples(samples: readonly ProgramSample[], bench: LoadedBenchmark): Required<ProgramSample>[] {
  const next = new Map<string, number>();
  return samples.map((s) => {
    if (!bench.byId.has(s.taskId)) throw new Error(`sample for ${s.taskId}, which is not a task of ${bench.spec.name}`);
    if (typeof s.program !== 'string') throw new Error(`sample for ${s.taskId} has no program`);
    const idx = s.sampleIndex ?? next.get(s.taskId) ?? 0;
    next.set(s.taskId, idx + 1);
    return { taskId: s.taskId, program: s.program, sampleIndex: idx };
  });
}
