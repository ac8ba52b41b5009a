/**
 * faitEvaluation: pass@1 of a model (greedy generation on fait-gpu) or of an existing samples file
 * on the selected benchmarks, checked in the sandbox on fait-cpu one batch per activity.
 */
import type { BenchmarkSamples, EndpointSettings, GenerationSettings } from '../activities';
import type { ArtifactRef } from '../artifacts/store';
import type { StageOptions } from '../config/schema';
import type { BenchmarkScore } from '../evaluation/score';
import type { SandboxMode } from '../sandbox/types';
import { cpuActivities, gpuActivities, mapWithLimit } from './activities';

export interface EvaluationInput {
  runId: string;
  benchmarks: string[];
  /** Evaluate this samples file (EvalPlus's format)... */
  samples?: ArtifactRef;
  /** ...or generate samples from this model directory... */
  model?: string;
  /** ...or from a model served behind an OpenAI-compatible endpoint. */
  endpoint?: EndpointSettings;
  generation: GenerationSettings;
  sandbox: SandboxMode;
  /** Leave BigCodeBench samples that lack a task library out of pass@1 (opt-in; default: failures). */
  excludeMissingLibraries?: boolean;
  /** Samples checked per activity. */
  batchSize: number;
  parallelBatches: number;
  stages: { generation: StageOptions; evaluation: StageOptions };
}

export interface BenchmarkResult {
  benchmark: string;
  score: BenchmarkScore;
  samples: ArtifactRef;
  verdicts: ArtifactRef;
}

export interface EvaluationResult {
  runId: string;
  benchmarks: BenchmarkResult[];
  /** Task ids of the samples file that belong to none of the selected benchmarks. */
  unknownTasks: string[];
  sandbox: SandboxMode;
}

export async function faitEvaluation(input: EvaluationInput): Promise<EvaluationResult> {
  const cpu = cpuActivities(input.stages.evaluation);
  let selected: BenchmarkSamples[];
  if (input.model !== undefined) {
    const { generateSamples } = gpuActivities(input.stages.generation);
    selected = [];
    for (const benchmark of input.benchmarks) {
      const tasks = await cpu.writeGenerationTasks({ benchmark, limit: input.generation.limit });
      const generation = { ...input.generation, maxNewTokens: maxNewTokensFor(benchmark, input.generation) };
      const samples = await generateSamples({ runId: input.runId, benchmark, model: input.model, tasks, generation });
      selected.push({ benchmark, samples, unknown: [] });
    }
  } else if (input.endpoint !== undefined) {
    selected = [];
    for (const benchmark of input.benchmarks) {
      const tasks = await cpu.writeGenerationTasks({ benchmark, limit: input.generation.limit });
      const samples = await cpu.generateViaEndpoint({ benchmark, tasks, endpoint: input.endpoint, maxNewTokens: maxNewTokensFor(benchmark, input.generation) });
      selected.push({ benchmark, samples, unknown: [] });
    }
  } else if (input.samples !== undefined) {
    selected = await cpu.selectSamples({ samples: input.samples, benchmarks: input.benchmarks });
  } else {
    throw new Error('faitEvaluation needs samples, a model or an endpoint');
  }

  const benchmarks = await Promise.all(
    selected.map(async ({ benchmark, samples }) => {
      const ranges = [];
      for (let start = 0; start < samples.count; start += input.batchSize) ranges.push({ start, end: Math.min(samples.count, start + input.batchSize) });
      const verdicts = await mapWithLimit(ranges, input.parallelBatches, (range) =>
        cpu.evaluateSamplesBatch({ benchmark, samples, sandbox: input.sandbox, ...range }),
      );
      const scored = await cpu.scoreBenchmark({ benchmark, verdicts, excludeMissingLibraries: input.excludeMissingLibraries });
      return { benchmark, score: scored.score, samples, verdicts: scored.verdicts };
    }),
  );
  return { runId: input.runId, benchmarks, unknownTasks: selected[0]?.unknown ?? [], sandbox: input.sandbox };
}

/** BigCodeBench generates longer programs and has its own default length (1,280 tokens). */
export function maxNewTokensFor(benchmark: string, generation: GenerationSettings): number {
  return benchmark.startsWith('bigcodebench') ? (generation.bigcodebenchMaxNewTokens ?? generation.maxNewTokens) : generation.maxNewTokens;
}
