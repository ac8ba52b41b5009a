/**
 * Evaluation stage: generation on fait-gpu (greedy, through the trainer package) and sandboxed
 * execution on fait-cpu with the harnesses' own checkers, one batch of samples per activity so a
 * crash repeats at most one batch. Samples travel as artifacts (EvalPlus's samples format).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { artifactPath, readArtifact, readJsonlArtifact, type ArtifactRef, type ArtifactStore } from '../artifacts/store';
import { projectRoot } from '../config/settings';
import {
  DataFileError,
  evaluateBatch,
  loadBenchmark as loadVerifiedBenchmark,
  type LoadedBenchmark,
  parseSamplesJsonl,
  scoreVerdicts,
  toProgramSamples,
  type BenchmarkScore,
  type SampleVerdict,
} from '../evaluation';
import type { SandboxMode } from '../sandbox';
import type { Progress } from './progress';

export interface GenerationSettings {
  batchSize: number;
  maxNewTokens: number;
  promptFormat: 'magicoder' | null;
  /** Only the first N tasks of each benchmark (smoke runs). */
  limit?: number;
}

export interface EvaluateBatchInput {
  benchmark: string;
  samples: ArtifactRef;
  /** Range of this benchmark's samples (in file order) that this activity checks. */
  start: number;
  end: number;
  sandbox: SandboxMode;
}

export interface BenchmarkSamples {
  benchmark: string;
  /** The samples of the file that belong to this benchmark, as {task_id, solution} lines. */
  samples: ArtifactRef;
  /** Samples of the file for tasks of none of the selected benchmarks. */
  unknown: string[];
}

/** Missing or altered benchmark files are bad input: retrying cannot make them appear. */
function loadBenchmark(name: string): LoadedBenchmark {
  try {
    return loadVerifiedBenchmark(name);
  } catch (err) {
    if (err instanceof DataFileError) throw ApplicationFailure.create({ type: 'BenchmarkData', nonRetryable: true, message: err.message });
    throw err;
  }
}

export function createEvaluationCpuActivities(store: ArtifactStore, stateDir: string) {
  return {
    /** The generation tasks of a benchmark, as the trainer's `generate` command reads them. */
    async writeGenerationTasks({ benchmark, limit }: { benchmark: string; limit?: number }): Promise<ArtifactRef> {
      const bench = loadBenchmark(benchmark);
      const problems = limit !== undefined ? bench.problems.slice(0, limit) : bench.problems;
      return store.putJsonl(problems.map((p) => ({ task_id: p.taskId, prompt: p.prompt, entry_point: p.entryPoint, kind: 'complete' })));
    },

    /** Splits a samples file by benchmark; tasks of no selected benchmark are listed, not dropped silently. */
    async selectSamples({ samples, benchmarks }: { samples: ArtifactRef; benchmarks: string[] }): Promise<BenchmarkSamples[]> {
      const rows = parseSamplesJsonl(readArtifact(samples).toString('utf8'), samples.uri);
      const loaded = benchmarks.map((name) => loadBenchmark(name));
      const unknown = rows.filter((r) => !loaded.some((b) => b.byId.has(r.task_id))).map((r) => r.task_id);
      return loaded.map((bench) => ({
        benchmark: bench.spec.name,
        samples: store.putJsonl(rows.filter((r) => bench.byId.has(r.task_id))),
        unknown,
      }));
    },

    async evaluateSamplesBatch(input: EvaluateBatchInput): Promise<ArtifactRef> {
      const ctx = Context.current();
      const bench = loadBenchmark(input.benchmark);
      const all = toProgramSamples(readJsonlArtifact(input.samples), bench);
      const samples = all.slice(input.start, input.end);
      const progress: Progress = { phase: 'checking', done: 0, total: samples.length, unit: 'samples' };
      ctx.heartbeat(progress);
      // A single check can take minutes (BigCodeBench), so heartbeat on a timer too.
      const timer = setInterval(() => ctx.heartbeat(progress), 10_000);
      try {
        const verdicts = await evaluateBatch({
          benchmark: input.benchmark,
          samples,
          cacheDir: path.join(stateDir, 'eval-cache'),
          sandbox: input.sandbox,
          signal: ctx.cancellationSignal,
          onVerdict: (_verdict, done) => {
            progress.done = done;
            ctx.heartbeat(progress);
          },
        });
        if (input.sandbox === 'none') log.warn('evaluation ran generated code WITHOUT isolation (sandbox: none)');
        return store.putJsonl(verdicts);
      } finally {
        clearInterval(timer);
      }
    },

    async scoreBenchmark({ benchmark, verdicts }: { benchmark: string; verdicts: ArtifactRef[] }): Promise<{ score: BenchmarkScore; verdicts: ArtifactRef }> {
      const bench = loadBenchmark(benchmark);
      const all = verdicts.flatMap((ref) => readJsonlArtifact<SampleVerdict>(ref));
      return { score: scoreVerdicts(bench.spec, all), verdicts: store.putJsonl(all) };
    },
  };
}

export function createGenerationActivities(store: ArtifactStore, stateDir: string, python: string) {
  return {
    /** Greedy samples of a model for a benchmark's tasks (python -m fait_trainer generate). */
    async generateSamples(input: { runId: string; benchmark: string; model: string; tasks: ArtifactRef; generation: GenerationSettings }): Promise<ArtifactRef> {
      const ctx = Context.current();
      const dir = path.join(stateDir, 'runs', input.runId, 'generation', input.benchmark.replace(/\W/g, '_'));
      mkdirSync(dir, { recursive: true });
      const output = path.join(dir, 'samples.jsonl');
      const config = path.join(dir, 'generate.json');
      writeFileSync(
        config,
        JSON.stringify({
          model_dir: input.model,
          tasks: artifactPath(input.tasks),
          output,
          batch_size: input.generation.batchSize,
          max_new_tokens: input.generation.maxNewTokens,
          prompt_format: input.generation.promptFormat,
        }),
      );
      const progress: Progress = { phase: 'generating', done: 0, total: input.tasks.count, unit: 'tasks' };
      ctx.heartbeat(progress);
      const child = spawn(python, ['-m', 'fait_trainer', 'generate', '--config', config], {
        cwd: projectRoot,
        env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let error: { kind?: string; message?: string } | undefined;
      const stderr: string[] = [];
      createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line) > 20 && stderr.shift());
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const event = JSON.parse(line);
          if (typeof event.done === 'number') progress.done = event.done;
          if (event.event === 'error') error = event;
        } catch {
          return;
        }
        ctx.heartbeat(progress);
      });
      const onCancel = () => child.kill('SIGTERM');
      ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      if (code !== 0) {
        const message = error?.message ?? `generation exited with code ${code}: ${stderr.slice(-5).join(' | ')}`;
        throw ApplicationFailure.create({ type: 'GenerationFailed', nonRetryable: error?.kind === 'bad_input' || error?.kind === 'oom', message });
      }
      const text = readFileSync(output, 'utf8');
      return store.put(text, text.split('\n').filter(Boolean).length, 'jsonl');
    },
  };
}
