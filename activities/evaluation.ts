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
import { readArtifact, readJsonlArtifact, readJsonlArtifacts, type ArtifactRef, type ArtifactStore } from '../artifacts/store';
import { missingSecretMessage, readSecret } from '../config/secrets';
import { projectRoot } from '../config/settings';
import { AnswerCache } from '../teacher/cache';
import { cachedCompletion } from '../teacher/cachedCompletion';
import { createClient, PermanentTeacherError } from '../teacher/llmClient';
import { RateLimiter } from '../teacher/rateLimit';
import {
  DataFileError,
  defaultEvalEnvDir,
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
  /** Generation length on BigCodeBench(-Hard), when it differs from maxNewTokens. */
  bigcodebenchMaxNewTokens?: number;
  promptFormat: 'magicoder' | null;
  /** Only the first N tasks of each benchmark (smoke runs). */
  limit?: number;
}

/** A model served behind an OpenAI-compatible API (e.g. vLLM), instead of a local directory. */
export interface EndpointSettings {
  baseUrl: string;
  model: string;
  /** Name of the variable holding the API key; the key never enters workflow data. */
  apiKeyEnv: string;
  concurrency: number;
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

export function createEvaluationCpuActivities(store: ArtifactStore, stateDir: string, python: string) {
  return {
    /** The generation tasks of a benchmark, as the trainer's `generate` command reads them. */
    async writeGenerationTasks({ benchmark, limit }: { benchmark: string; limit?: number }): Promise<ArtifactRef> {
      const bench = loadBenchmark(benchmark);
      const problems = limit !== undefined ? bench.problems.slice(0, limit) : bench.problems;
      return store.putJsonl(problems.map((p) => ({ task_id: p.taskId, prompt: p.prompt, entry_point: p.entryPoint, kind: 'complete' })));
    },

    /** Splits a samples file by benchmark; tasks of no selected benchmark are listed, not dropped silently. */
    async selectSamples({ samples, benchmarks }: { samples: ArtifactRef; benchmarks: string[] }): Promise<BenchmarkSamples[]> {
      const rows = parseSamplesJsonl((await readArtifact(samples)).toString('utf8'), samples.uri);
      const loaded = benchmarks.map((name) => loadBenchmark(name));
      const unknown = rows.filter((r) => !loaded.some((b) => b.byId.has(r.task_id))).map((r) => r.task_id);
      return Promise.all(
        loaded.map(async (bench) => ({
          benchmark: bench.spec.name,
          samples: await store.putJsonl(rows.filter((r) => bench.byId.has(r.task_id))),
          unknown,
        })),
      );
    },

    async evaluateSamplesBatch(input: EvaluateBatchInput): Promise<ArtifactRef> {
      const ctx = Context.current();
      const bench = loadBenchmark(input.benchmark);
      const all = toProgramSamples(await readJsonlArtifact(input.samples), bench);
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
          bigcodebenchEnvDir: defaultEvalEnvDir(stateDir),
          sandbox: input.sandbox,
          signal: ctx.cancellationSignal,
          onVerdict: (_verdict, done) => {
            progress.done = done;
            ctx.heartbeat(progress);
          },
        });
        if (input.sandbox === 'none') log.warn('evaluation ran generated code WITHOUT isolation (sandbox: none)');
        return await store.putJsonl(verdicts);
      } finally {
        clearInterval(timer);
      }
    },

    /**
     * Greedy samples from an OpenAI-compatible endpoint with the teacher's request rules (bounded
     * retries, fail-fast on 4xx, every answer cached), extracted with EvalPlus's sanitize.
     */
    async generateViaEndpoint(input: { benchmark: string; tasks: ArtifactRef; endpoint: EndpointSettings; maxNewTokens: number }): Promise<ArtifactRef> {
      const ctx = Context.current();
      const apiKey = readSecret(input.endpoint.apiKeyEnv);
      if (!apiKey) throw ApplicationFailure.create({ type: 'MissingSecret', nonRetryable: true, message: missingSecretMessage(input.endpoint.apiKeyEnv) });
      const endpoint = { baseUrl: input.endpoint.baseUrl, model: input.endpoint.model, temperature: 0, maxTokens: input.maxNewTokens, timeoutMs: 300_000 };
      const asker = {
        client: createClient(endpoint, apiKey),
        endpoint,
        cache: new AnswerCache(path.join(stateDir, 'generation-cache')),
        limiter: new RateLimiter(input.endpoint.concurrency),
        policy: { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 60_000 },
        counters: { calls: 0, cached: 0, retries: 0 },
      };
      const tasks = await readJsonlArtifact<{ task_id: string; prompt: string; entry_point: string }>(input.tasks);
      const progress: Progress = { phase: 'generating', done: 0, total: tasks.length, unit: 'tasks' };
      const raws = await Promise.all(
        tasks.map(async (task) => {
          // EvalPlus's OpenAI provider: the instruction prefix and the prompt in a python fence.
          const message = `${instructionPrefix}\n\`\`\`python\n${task.prompt.trim()}\n\`\`\``;
          const answer = await cachedCompletion(asker, message, 0, 0).catch((err) => {
            if (err instanceof PermanentTeacherError) throw ApplicationFailure.create({ type: 'EndpointRejected', nonRetryable: true, message: err.message });
            throw err;
          });
          progress.done += 1;
          ctx.heartbeat(progress);
          return answer.text ?? '';
        }),
      );
      const solutions = await sanitizeAll(python, tasks.map((t, i) => ({ raw: raws[i], entry_point: t.entry_point })));
      return store.putJsonl(tasks.map((t, i) => ({ task_id: t.task_id, solution: solutions[i], raw: raws[i] })));
    },

    async scoreBenchmark(input: { benchmark: string; verdicts: ArtifactRef[]; excludeMissingLibraries?: boolean }): Promise<{ score: BenchmarkScore; verdicts: ArtifactRef }> {
      const bench = loadBenchmark(input.benchmark);
      const all = await readJsonlArtifacts<SampleVerdict>(input.verdicts);
      return { score: scoreVerdicts(bench.spec, all, { excludeMissingLibraries: input.excludeMissingLibraries }), verdicts: await store.putJsonl(all) };
    },
  };
}

const instructionPrefix = 'Please provide a self-contained Python script that solves the following problem in a markdown code block:';

/** EvalPlus's sanitize over many answers in one Python process. */
function sanitizeAll(python: string, items: { raw: string; entry_point: string }[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'fait_trainer', 'sanitize'], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { solution: string }).solution)) : reject(new Error(`sanitize failed (exit ${code}): ${err.trim().slice(-500)}`)),
    );
    child.stdin.end(items.map((i) => JSON.stringify(i) + '\n').join(''));
  });
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
          model_dir: await store.openDirectory(input.model),
          tasks: await store.localPath(input.tasks),
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
      return await store.put(text, text.split('\n').filter(Boolean).length, 'jsonl');
    },
  };
}
