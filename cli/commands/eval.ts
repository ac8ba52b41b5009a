/**
 * `fait eval`: pass@1 of a model (greedy generation) or of an existing EvalPlus-format samples
 * file, on HumanEval(+), MBPP(+) and BigCodeBench, as its own workflow.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { readJsonlArtifact, sha256Hex } from '../../artifacts/store';
import { evaluationSchema, stageOptionsSchema } from '../../config/schema';
import { BENCHMARK_NAMES, type BenchmarkScore, type SampleVerdict, type TestOutcome } from '../../evaluation';
import { taskQueues } from '../../temporal/queues';
import type { EvaluationInput, EvaluationResult } from '../../workflows';
import { BadInputError, exitCodes, setInterruptLine, withTemporal } from '../context';
import { withInProcessWorkers, type WorkerMode } from '../inProcessWorkers';
import { fileProblem, modelDirProblem } from '../preflight';
import { failureMessage } from '../runView';
import { registerEvalSetup } from './evalSetup';
import { defaultRunId } from './run';

const evaluationDefaults = evaluationSchema.parse({});

interface EvalOptions {
  benchmarks?: string;
  samples?: string;
  model?: string;
  endpoint?: string;
  endpointModel?: string;
  apiKeyEnv: string;
  json?: boolean;
  limit?: number;
  batchSize: number;
  maxNewTokens?: number;
  excludeMissingLibraries?: boolean;
  promptFormat?: 'magicoder';
  sandbox: 'bwrap' | 'none';
  id?: string;
  worker: WorkerMode;
}

export function registerEval(program: Command): void {
  const evalCommand = program
    .command('eval')
    .description('pass@1 of a model (greedy) or of an EvalPlus samples file on HumanEval(+), MBPP(+), BigCodeBench')
    // Not a required option: commander would then demand it of `fait eval setup` too.
    .option('--benchmarks <list>', `comma-separated (required): ${BENCHMARK_NAMES.join(', ')}`)
    .option('--samples <file>', 'evaluate this samples file ({"task_id", "solution"} per line) instead of generating')
    .option('--model <dir>', 'generate greedy samples from this Hugging Face model directory')
    .option('--endpoint <url>', 'generate greedy samples from an OpenAI-compatible endpoint (e.g. vLLM) instead')
    .option('--endpoint-model <name>', 'the served model name (with --endpoint)')
    .option('--api-key-env <variable>', 'environment variable holding the endpoint’s API key', 'OPENAI_API_KEY')
    .option('--json', 'print pass@1 per benchmark and every sample’s verdict as JSON')
    .option(
      '--exclude-missing-libraries',
      'leave BigCodeBench samples that failed for want of a task library out of pass@1 (default: they are failures, as in BigCodeBench)',
    )
    .option('--limit <n>', 'only the first N tasks of each benchmark (with --model)', (v) => Number.parseInt(v, 10))
    .option('--batch-size <n>', 'samples checked per activity', (v) => Number.parseInt(v, 10), 50)
    .option(
      '--max-new-tokens <n>',
      `generation length (default ${evaluationDefaults.maxNewTokens}; BigCodeBench ${evaluationDefaults.bigcodebenchMaxNewTokens})`,
      (v) => Number.parseInt(v, 10),
    )
    .addOption(new Option('--prompt-format <format>', 'prompt without the chat template').choices(['magicoder']))
    .addOption(new Option('--sandbox <mode>', 'bwrap (isolated) or none (no isolation, warned)').choices(['bwrap', 'none']).default('bwrap'))
    .option('--id <id>', 'workflow id')
    .option('--worker <mode>', 'run workers in this process: auto, yes, no', 'auto')
    .action(async (options: EvalOptions) => {
      const benchmarks = (options.benchmarks ?? '').split(',').map((b) => b.trim()).filter(Boolean);
      const unknown = benchmarks.filter((b) => !(BENCHMARK_NAMES as readonly string[]).includes(b));
      const sources = [options.samples, options.model, options.endpoint].filter((s) => s !== undefined).length;
      if (unknown.length > 0 || benchmarks.length === 0 || sources !== 1 || (options.endpoint !== undefined && !options.endpointModel)) {
        process.stderr.write(
          unknown.length > 0
            ? `fait eval: unknown benchmark ${unknown.join(', ')}; expected ${BENCHMARK_NAMES.join(', ')}\n`
            : benchmarks.length === 0
              ? `fait eval: --benchmarks is required (${BENCHMARK_NAMES.join(', ')})\n`
              : sources === 1
              ? 'fait eval: --endpoint needs --endpoint-model\n'
              : 'fait eval: give exactly one of --samples FILE, --model DIR or --endpoint URL, and at least one benchmark\n',
        );
        process.exitCode = exitCodes.badInput;
        return;
      }
      const inputProblem = options.samples !== undefined ? fileProblem(options.samples) : options.model !== undefined ? modelDirProblem(options.model) : undefined;
      if (inputProblem) throw new BadInputError(`fait eval: ${options.samples !== undefined ? '--samples' : '--model'} ${options.samples ?? options.model}: ${inputProblem}`);
      const input = evaluationInput(benchmarks, options);
      process.exitCode = await withTemporal((temporal, settings) =>
        withInProcessWorkers(temporal, settings, options.worker, async () => {
          const handle = await temporal.client.workflow.start('faitEvaluation', { taskQueue: taskQueues.cpu, workflowId: input.runId, args: [input] });
          process.stderr.write(`${input.runId}\n`);
          setInterruptLine(`stopped waiting for ${input.runId}; the evaluation is kept and goes on while a worker runs (\`fait worker\`)`);
          let result: EvaluationResult;
          try {
            result = (await handle.result()) as EvaluationResult;
          } catch (err) {
            process.stderr.write(`fait eval: ${failureMessage(err as Error)}\n`);
            return exitCodes.runFailed;
          }
          if (options.json) process.stdout.write(`${JSON.stringify(await jsonReport(result), null, 2)}\n`);
          else printReport(result);
          return 0;
        }),
      );
    });
  registerEvalSetup(evalCommand);
}

function evaluationInput(benchmarks: string[], options: EvalOptions): EvaluationInput {
  const stage = stageOptionsSchema.parse({ startToCloseTimeout: '12h', heartbeatTimeout: '5m' });
  let samples: EvaluationInput['samples'];
  if (options.samples) {
    // Referenced in place (workers on this machine read it); the hash guards against changes.
    const file = path.resolve(options.samples);
    const bytes = readFileSync(file);
    samples = { uri: pathToFileURL(file).href, sha256: sha256Hex(bytes), count: bytes.toString('utf8').split('\n').filter((l) => l.trim()).length, bytes: bytes.length };
  }
  return {
    runId: options.id ?? defaultRunId('eval'),
    benchmarks,
    samples,
    model: options.model && path.resolve(options.model),
    endpoint: options.endpoint ? { baseUrl: options.endpoint, model: options.endpointModel!, apiKeyEnv: options.apiKeyEnv, concurrency: 16 } : undefined,
    generation: {
      batchSize: 8,
      maxNewTokens: options.maxNewTokens ?? evaluationDefaults.maxNewTokens,
      bigcodebenchMaxNewTokens: options.maxNewTokens ?? evaluationDefaults.bigcodebenchMaxNewTokens,
      promptFormat: options.promptFormat ?? null,
      limit: options.limit,
    },
    sandbox: options.sandbox,
    excludeMissingLibraries: options.excludeMissingLibraries ?? false,
    batchSize: options.batchSize,
    parallelBatches: 2,
    stages: { generation: stage, evaluation: stage },
  };
}

async function jsonReport(result: EvaluationResult) {
  return {
    runId: result.runId,
    sandbox: result.sandbox,
    unknownTasks: result.unknownTasks,
    benchmarks: await Promise.all(result.benchmarks.map(async (b) => ({
      benchmark: b.benchmark,
      pass_at_1: { base: b.score.base['pass@1'], plus: b.score.plus?.['pass@1'] },
      tasks: b.score.tasks,
      samples_scored: b.score.samples,
      // Present only when the score is not over every task: says so next to the number.
      ...(b.score.excludedMissingLibraries ? { subset: subsetNote(b.score) } : {}),
      excluded_missing_libraries: b.score.excludedMissingLibraries,
      excluded: b.score.excluded,
      missing_libraries: b.score.missingModules,
      needs_network: b.score.needsNetwork,
      categories: b.score.categories,
      samples: b.samples.uri,
      verdicts_artifact: { uri: b.verdicts.uri, sha256: b.verdicts.sha256, count: b.verdicts.count },
      verdicts: (await readJsonlArtifact<SampleVerdict>(b.verdicts)).map((v) => ({
        task_id: v.taskId,
        index: v.sampleIndex,
        passed: v.passed,
        category: v.category ?? null,
        ...(v.module ? { module: v.module } : {}),
        base: partJson(v.base),
        plus: v.plus ? partJson(v.plus) : null,
      })),
    }))),
  };
}

function partJson(o: TestOutcome) {
  return { status: o.status, category: o.category ?? null };
}

function subsetNote(score: BenchmarkScore): string {
  return `--exclude-missing-libraries: ${score.excluded.samples} samples of ${score.excluded.tasks} tasks that lack a library are left out`;
}

function printReport(result: EvaluationResult): void {
  if (result.sandbox === 'none') process.stdout.write('WARNING: generated code ran without isolation (sandbox: none)\n');
  for (const b of result.benchmarks) {
    const s = b.score;
    const plus = s.plus ? `, plus ${(100 * s.plus['pass@1']).toFixed(1)}%` : '';
    const subset = s.excludedMissingLibraries ? `; ${subsetNote(s)}` : '';
    process.stdout.write(`${b.benchmark.padEnd(18)} pass@1 base ${(100 * s.base['pass@1']).toFixed(1)}%${plus} (${s.tasks} tasks${subset})\n`);
    const missing = Object.entries(s.missingModules).sort((x, y) => y[1] - x[1]);
    if (missing.length > 0 && !s.excludedMissingLibraries) {
      process.stdout.write(
        `  ${s.categories.missing_library} samples failed for a missing library (counted as failures; \`fait eval setup bigcodebench\` installs them): ` +
          `${missing.map(([m, n]) => `${m} ${n}`).join(', ')}\n`,
      );
    }
    if (s.needsNetwork.length > 0) {
      process.stdout.write(`  ${s.needsNetwork.length} tasks need the network (counted as failures): ${s.needsNetwork.join(', ')}\n`);
    }
    process.stdout.write(`  verdicts: ${b.verdicts.uri}\n`);
  }
  if (result.unknownTasks.length > 0) process.stdout.write(`${result.unknownTasks.length} samples belong to none of the benchmarks: ${result.unknownTasks.slice(0, 5).join(', ')}\n`);
}
