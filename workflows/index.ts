/** Entry point of the workflow bundle: every workflow type the workers register. */
export { faitExperiment } from './experiment';
export type { ExperimentInput, ExperimentResult } from './experiment';
export { statusQuery } from './status';
