/** Entry point of the workflow bundle: every workflow type the workers register. */
export { faitExperiment } from './experiment';
export { faitEvaluation } from './evaluation';
export type { EvaluationInput, EvaluationResult } from './evaluation';
export type { ExperimentInput, ExperimentResult } from './experiment';
export { statusQuery } from './status';
