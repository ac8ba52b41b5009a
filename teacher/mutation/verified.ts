/**
 * "Verified-incorrect" variants: re-ask (variant k uses seed + k) until a caller-supplied check,
 * typically "the variant fails the task's tests", confirms that the variant really is incorrect.
 */
import { MutateOptions, mutateResponse } from './mutate';
import type { Mutation } from './types';

export interface VerifiedOptions extends Omit<MutateOptions, 'variant'> {
  /** Whether a variant is really incorrect (e.g. its code fails the tests). */
  isIncorrect: (incorrect: string, mutation: Mutation) => boolean | Promise<boolean>;
  /** How many variants to try at most (seeds seed, seed + 1, ...); default 5. */
  attempts?: number;
}

export interface Attempt {
  seed: number;
  incorrect: string;
  mutation: Mutation;
}

export type VerifiedOutcome =
  | { ok: true; incorrect: string; mutation: Mutation; seed: number; attempts: number }
  | {
      ok: false;
      reason: string;
      attempts: number;
      /** The first variant tried (unverified), for callers that accept an unverified variant. */
      unverified: Attempt | null;
    };

/**
 * Tries variants k = 0, 1, ... (seed + k), each excluding the texts already tried, and returns the
 * first one that `isIncorrect` accepts. Deterministic for a deterministic `isIncorrect`.
 */
export async function mutateVerified(response: string, options: VerifiedOptions): Promise<VerifiedOutcome> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  const tried: Attempt[] = [];
  const exclude = new Set(options.exclude ?? []);
  let reason = '';
  for (let k = 0; k < attempts; k++) {
    const outcome = mutateResponse(response, { seed: options.seed, variant: k, kinds: options.kinds, exclude });
    if (!outcome.ok) {
      reason = outcome.reason;
      break;
    }
    const attempt = { seed: outcome.seed, incorrect: outcome.incorrect, mutation: outcome.mutation };
    tried.push(attempt);
    exclude.add(outcome.incorrect);
    if (await options.isIncorrect(outcome.incorrect, outcome.mutation)) {
      return { ok: true, incorrect: outcome.incorrect, mutation: outcome.mutation, seed: outcome.seed, attempts: tried.length };
    }
  }
  const why = tried.length === 0 ? reason : `none of ${tried.length} variant(s) was verified incorrect${reason ? ` (${reason})` : ''}`;
  return { ok: false, reason: why, attempts: tried.length, unverified: tried[0] ?? null };
}
