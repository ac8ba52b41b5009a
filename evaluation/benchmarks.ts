/**
 * The benchmarks the evaluation stage knows, and which data file and which tests each one means.
 *
 * As in EvalPlus, `humaneval` and `mbpp` are the *base* tests and `humaneval+` / `mbpp+` are the
 * base tests plus EvalPlus's extra tests, both read from the EvalPlus release files:
 *   - humaneval:  HumanEvalPlus-v0.1.10, `base_input` (the inputs of OpenAI's original HumanEval tests),
 *                 outputs compared with the canonical solution's by evalplus's checker;
 *   - humaneval+: the same file, a sample passes only if it passes `base_input` and `plus_input`;
 *   - mbpp:       MbppPlus-v0.2.0, `base_input` (the original MBPP test inputs; EvalPlus has no
 *                 separate MBPP file, and neither do we);
 *   - mbpp+:      the same file, base and plus inputs.
 * Evaluating a `+` benchmark yields both numbers (pass@1 on base tests and on base + plus tests),
 * exactly like `evalplus.evaluate` prints "humaneval (base tests)" and "humaneval+ (base + extra tests)".
 * BigCodeBench runs each task's unittest suite (`test`), with no base/plus split.
 */

export const BENCHMARK_NAMES = ['humaneval', 'humaneval+', 'mbpp', 'mbpp+', 'bigcodebench', 'bigcodebench-hard'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export type HarnessFamily = 'evalplus' | 'bigcodebench';

export interface BenchmarkSpec {
  name: BenchmarkName;
  family: HarnessFamily;
  /** evalplus's dataset argument, or 'bigcodebench'. */
  dataset: 'humaneval' | 'mbpp' | 'bigcodebench';
  /** File in the data folder. */
  file: string;
  /** Whether EvalPlus's extra (plus) tests are run. */
  plus: boolean;
  /** Tasks in the file, checked when it is loaded. */
  tasks: number;
}

export const BENCHMARKS: Record<BenchmarkName, BenchmarkSpec> = {
  humaneval: { name: 'humaneval', family: 'evalplus', dataset: 'humaneval', file: 'HumanEvalPlus-v0.1.10.jsonl.gz', plus: false, tasks: 164 },
  'humaneval+': { name: 'humaneval+', family: 'evalplus', dataset: 'humaneval', file: 'HumanEvalPlus-v0.1.10.jsonl.gz', plus: true, tasks: 164 },
  mbpp: { name: 'mbpp', family: 'evalplus', dataset: 'mbpp', file: 'MbppPlus-v0.2.0.jsonl.gz', plus: false, tasks: 378 },
  'mbpp+': { name: 'mbpp+', family: 'evalplus', dataset: 'mbpp', file: 'MbppPlus-v0.2.0.jsonl.gz', plus: true, tasks: 378 },
  bigcodebench: { name: 'bigcodebench', family: 'bigcodebench', dataset: 'bigcodebench', file: 'BigCodeBench-v0.1.4.jsonl.gz', plus: false, tasks: 1140 },
  'bigcodebench-hard': {
    name: 'bigcodebench-hard',
    family: 'bigcodebench',
    dataset: 'bigcodebench',
    file: 'BigCodeBench-Hard-v0.1.4.jsonl.gz',
    plus: false,
    tasks: 148,
  },
};

export function benchmarkSpec(name: string): BenchmarkSpec {
  const spec = (BENCHMARKS as Record<string, BenchmarkSpec | undefined>)[name];
  if (!spec) throw new Error(`unknown benchmark ${JSON.stringify(name)}; known: ${BENCHMARK_NAMES.join(', ')}`);
  return spec;
}

/**
 * Selected benchmarks grouped by data file: `humaneval` and `humaneval+` on the same samples need
 * one run with the plus tests, which gives both scores.
 */
export function planBenchmarkRuns(names: readonly string[]): { run: BenchmarkSpec; report: BenchmarkName[] }[] {
  const byFile = new Map<string, { run: BenchmarkSpec; report: BenchmarkName[] }>();
  for (const n of names) {
    const spec = benchmarkSpec(n);
    const cur = byFile.get(spec.file);
    if (!cur) byFile.set(spec.file, { run: spec, report: [spec.name] });
    else {
      if (spec.plus && !cur.run.plus) cur.run = spec;
      if (!cur.report.includes(spec.name)) cur.report.push(spec.name);
    }
  }
  return [...byFile.values()];
}
