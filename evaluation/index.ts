/**
 * Execution half of the evaluation stage: benchmark data, sandboxed checking of samples with the
 * harnesses' own checkers (evalplus, bigcodebench), verdicts and pass@k. See evaluation/README.md.
 */
export { BENCHMARK_NAMES, BENCHMARKS, benchmarkSpec, planBenchmarkRuns, type BenchmarkName, type BenchmarkSpec, type HarnessFamily } from './benchmarks';
export { DataFileError, readChecksums, readVerifiedDataFile, resolveDataDir } from './dataFiles';
export { loadBenchmark, type LoadedBenchmark, type Problem } from './problems';
export { canonicalSamples, parseSamplesJsonl, toProgramSamples, type ProgramSample, type RawSample } from './samples';
export { ensureGroundTruth, groundTruthDir, type GroundTruthOptions } from './groundTruth';
export { DEFAULT_LIMITS, evaluateBatch, type EvaluateBatchOptions, type EvaluationLimits } from './batch';
export { evaluateSamples, planBatches, type EvaluateSamplesOptions } from './evaluate';
export { estimatePassAtK, scoreVerdicts, type BenchmarkScore, type ScoreOptions } from './score';
export { checkHarness, resolvePython, type PythonEnv } from './python';
export { FAILURE_CATEGORIES, type FailureCategory, type HarnessStatus, type SampleVerdict, type TestOutcome } from './verdicts';
export { runEvalplusReference, type ReferenceOptions, type ReferenceResult } from './reference';
export {
  BIGCODEBENCH_BASE_PYTHON,
  BIGCODEBENCH_REQUIREMENTS,
  defaultEvalEnvDir,
  EvalEnvInputError,
  evalEnvPython,
  readEvalEnvRecord,
  setupEvalEnv,
  type EvalEnvRecord,
} from './evalEnv';
