/**
 * The offline mutation teacher as a variant source: sample k of a record is the mutation drawn
 * with seed + k, so re-asking after an invalid variant gets a different fault, deterministically.
 */
import type { TrainingRecord } from '../dataset/records';
import type { Candidate, VariantSource } from './generate';
import { mutateResponse } from './mutation';

export function createMutationSource(seed: number): VariantSource {
  return {
    info: { kind: 'mutation', seed },
    async sample(record: TrainingRecord, sample: number): Promise<Candidate> {
      const outcome = mutateResponse(record.response, seed + sample);
      if (!outcome.ok) return { kind: 'unusable', reason: `no mutation: ${outcome.reason}` };
      const { kind, line, before, after, description } = outcome.mutation;
      return { kind: 'variant', text: outcome.incorrect, details: { mutation: { kind, line, before, after, description } } };
    },
  };
}
