/**
 * pass@k from per-sample verdicts, with the unbiased estimator of the HumanEval paper that
 * evalplus and bigcodebench both use (1 - C(n-c, k) / C(n, k), averaged over tasks).
 *
 * Every sample counts, as in evalplus and bigcodebench: a BigCodeBench sample that failed because
 * a task library is not installed, or because its task needs the network, is a failure. Leaving
 * missing-library samples out of the denominator is an option (`excludeMissingLibraries`), off by
 * default; a score computed that way says so in `excluded` and `excludedMissingLibraries`.
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
  /** True when missing-library samples were left out of the denominator (the opt-in option). */
  excludedMissingLibraries: boolean;
  /** Samples and tasks left out (only with excludedMissingLibraries), and the modules they lacked. */
  excluded: { samples: number; tasks: number; modules: Record<string, number> };
  /** Missing-library failures per module (counted as failures unless excluded). */
  missingModules: Record<string, number>;
  /** Tasks with a sample that failed for want of network access (counted as failures). */
  needsNetwork: string[];
}

export interface ScoreOptions {
  ks?: number[];
  excludeMissingLibraries?: boolean;
}

export function scoreVerdicts(spec: BenchmarkSpec, verdicts: readonly SampleVerdict[], opts: ScoreOptions = {}): BenchmarkScore {
  const ks = opts.ks ?? [1];
  const exclude = opts.excludeMissingLibraries ?? false;
  const missingModules: Record<string, number> = {};
  const needsNetwork = new Set<string>();
  const perTask = new Map<string, { n: number; base: number; plus: number }>();
  const categories = Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as Record<FailureCategory, number>;
  const excluded = { samples: 0, tasks: 0, modules: {} as Record<string, number> };
  const allTasks = new Set<string>();
  let samples = 0;
  for (const v of verdicts) {
    allTasks.add(v.taskId);
    if (v.category) categories[v.category]++;
    if (v.category === 'missing_library' && v.module) missingModules[v.module] = (missingModules[v.module] ?? 0) + 1;
    if (v.category === 'needs_network') needsNetwork.add(v.taskId);
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
    excludedMissingLibraries: exclude,
    excluded,
    missingModules,
    needsNetwork: [...needsNetwork].sort(compareTaskIds),
  };
}

/** BigCodeBench/2 before BigCodeBench/10. */
function compareTaskIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
