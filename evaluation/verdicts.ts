/**
 * What the evaluation stage says about one sample. `status` is the harness's verdict (evalplus or
 * bigcodebench: pass, fail or timeout); `category` is ours, explaining a failure, which the
 * harnesses do not report.
 */

export const FAILURE_CATEGORIES = [
  'syntax_error',
  'wrong_answer',
  'exception',
  'timeout',
  'resource_limit',
  'missing_library',
  'needs_network',
  'output_limit',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export type HarnessStatus = 'pass' | 'fail' | 'timeout';

export interface TestOutcome {
  status: HarnessStatus;
  /** The harness's own status; differs from `status` only where `note` says why. */
  harnessStatus: HarnessStatus;
  category?: FailureCategory;
  /** First line of the failure (exception and message, or which input gave a wrong output). */
  detail?: string;
  /** missing_library: the top-level module that could not be imported. */
  module?: string;
  note?: string;
}

export interface SampleVerdict {
  taskId: string;
  /** The sample's position among the samples of its task (EvalPlus's completion_id). */
  sampleIndex: number;
  /** Passed every test that was run (base, and plus where the benchmark has them). */
  passed: boolean;
  /** HumanEval/MBPP: the base tests. BigCodeBench: the task's unittest suite. */
  base: TestOutcome;
  /** EvalPlus's extra tests, when the benchmark runs them. */
  plus?: TestOutcome;
  /** Category of the first failing part (base, then plus). */
  category?: FailureCategory;
  module?: string;
  durationMs: number;
}

/** The sample's verdict from its parts: the first failing part explains the failure. */
export function combineOutcomes(
  taskId: string,
  sampleIndex: number,
  base: TestOutcome,
  plus: TestOutcome | undefined,
  durationMs: number,
): SampleVerdict {
  const failing = base.status !== 'pass' ? base : plus && plus.status !== 'pass' ? plus : undefined;
  return {
    taskId,
    sampleIndex,
    passed: failing === undefined,
    base,
    ...(plus ? { plus } : {}),
    ...(failing?.category ? { category: failing.category } : {}),
    ...(failing?.module ? { module: failing.module } : {}),
    durationMs,
  };
}

/** A verdict the runner could not give because its sandbox died or hit a limit during the check. */
export function outcomeFromSandbox(category: FailureCategory, detail: string): TestOutcome {
  return { status: category === 'timeout' ? 'timeout' : 'fail', harnessStatus: category === 'timeout' ? 'timeout' : 'fail', category, detail };
}
