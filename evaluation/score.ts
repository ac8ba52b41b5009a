/**
 * pass@k from per-sample verdicts, with the unbiased estimator of the HumanEval paper that
 * evalplus and bigcodebench both use (1 - C(n-c, k) / C(n, k), averaged over tasks).
 *
 * A BigCodeBench sample that failed because a library is not installed says nothing about the
 * model, so by default it leaves the denominator (and is counted under `excluded`); HumanEval and
 * MBPP tasks need only the standard library, so there it stays a failure.
 */
import type { BenchmarkName, BenchmarkSpec } from './benchmarks';
import { FAILURE_CATEGORIES, type FailureCategory, type SampleVerdict } from './verdicts';

export function estimatePassAtK(n: number, c: number, k: number): number {
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

export interface BenchmarkScore {
  benchmark: BenchmarkName;
  /** Tasks that count (at least one evaluable sample). */
  tasks: number;
  samples: number;
  /** pass@k on the base tests (BigCodeBench: its tests). */
  base: Record<string, number>;
  /** pass@k on base + plus tests (EvalPlus's "+" score), when the plus tests ran. */
  plus?: Record<string, number>;
  /** Failing samples per category (a sample counts under the category of its first failing part). */
  categories: Record<FailureCategory, number>;
  excluded: { samples: number; tasks: number; modules: Record<string, number> };
}

export interface ScoreOptions {
  ks?: number[];
  excludeMissingLibraries?: boolean;
}

export function scoreVerdicts(spec: BenchmarkSpec, verdicts: readonly SampleVerdict[], opts: ScoreOptions = {}): BenchmarkScore {
  const ks = opts.ks ?? [1];
  const exclude = opts.excludeMissingLibraries ?? spec.family === 'bigcodebench';
  const perTask = new Map<string, { n: number; base: number; plus: number }>();
  const categories = Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as Record<FailureCategory, number>;
  const excluded = { samples: 0, tasks: 0, modules: {} as Record<string, number> };
  const allTasks = new Set<string>();
  let samples = 0;
  for (const v of verdicts) {
    allTasks.add(v.taskId);
    if (v.category) categories[v.category]++;
    if (exclude && v.category === 'missing_library') {
      excluded.samples++;
      if (v.module) excluded.modules[v.module] = (excluded.modules[v.module] ?? 0) + 1;
      continue;
    }
    samples++;
    const t = perTask.get(v.taskId) ?? { n: 0, base: 0, plus: 0 };
    t.n++;
    if (v.base.status === 'pass') t.base++;
    if (v.base.status === 'pass' && v.plus?.status === 'pass') t.plus++;
    perTask.set(v.taskId, t);
  }
  excluded.tasks = allTasks.size - perTask.size;
  const tasks = [...perTask.values()];
  const passAt = (pick: (t: { n: number; base: number; plus: number }) => number) => {
    const out: Record<string, number> = {};
    for (const k of ks) {
      if (tasks.length === 0 || tasks.some((t) => t.n < k)) continue;
      out[`pass@${k}`] = tasks.reduce((s, t) => s + estimatePassAtK(t.n, pick(t), k), 0) / tasks.length;
    }
    return out;
  };
  return {
    benchmark: spec.name,
    tasks: tasks.length,
    samples,
    base: passAt((t) => t.base),
    ...(spec.plus ? { plus: passAt((t) => t.plus) } : {}),
    categories,
    excluded,
  };
}
