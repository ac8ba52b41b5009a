/** The offline mutation teacher (see mutate.ts). */
export { MUTATION_KINDS } from './types';
export type { Alternative, Edit, Mutation, MutationKind, MutationOutcome, NoMutationCode, Site } from './types';
export { applyEdit, collectSites, enumerateMutations, mutateResponse, type LocatedSite, type MutateOptions, type SiteCollection } from './mutate';
export { mutateVerified, type Attempt, type VerifiedOptions, type VerifiedOutcome } from './verified';
export { pythonBlocks, type CodeRegion } from './codeBlocks';
export { hash32, mulberry32, seededRandom } from './random';
