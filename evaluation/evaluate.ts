/**
 * A whole evaluation as a sequence of batches. The batches are fixed by the samples' order and the
 * batch size alone, so a durable caller can run them one activity at a time, keep each batch's
 * verdicts, and resume at the first batch it has no verdicts for.
 */
import { benchmarkSpec } from './benchmarks';
import { evaluateBatch, type EvaluateBatchOptions } from './batch';
import type { ProgramSample } from './samples';
import { scoreVerdicts, type BenchmarkScore, type ScoreOptions } from './score';
import type { SampleVerdict } from './verdicts';

export function planBatches<T>(samples: readonly T[], batchSize: number): T[][] {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error('batchSize must be a positive integer');
  const out: T[][] = [];
  for (let i = 0; i < samples.length; i += batchSize) out.push(samples.slice(i, i + batchSize));
  return out;
}

export interface EvaluateSamplesOptions extends Omit<EvaluateBatchOptions, 'samples' | 'onVerdict'> {
  samples: readonly ProgramSample[];
  batchSize?: number;
  score?: ScoreOptions;
  onBatch?: (index: number, verdicts: SampleVerdict[], batches: number) => void;
}

export async function evaluateSamples(o: EvaluateSamplesOptions): Promise<{ verdicts: SampleVerdict[]; score: BenchmarkScore }> {
  const batches = planBatches(withIndexes(o.samples), o.batchSize ?? 64);
  const verdicts: SampleVerdict[] = [];
  for (let i = 0; i < batches.length; i++) {
    const v = await evaluateBatch({ ...o, samples: batches[i] });
    verdicts.push(...v);
    o.onBatch?.(i, v, batches.length);
  }
  return { verdicts, score: scoreVerdicts(benchmarkSpec(o.benchmark), verdicts, o.score) };
}

/** Fixes every sample's index before batching, so it does not depend on where a batch starts. */
function withIndexes(samples: readonly ProgramSample[]): ProgramSample[] {
  const next = new Map<string, number>();
  return samples.map((s) => {
    const idx = s.sampleIndex ?? next.get(s.taskId) ?? 0;
    next.set(s.taskId, idx + 1);
    return { ...s, sampleIndex: idx };
  });
}
