/**
 * Checks a teacher's variant before it becomes a training pair. Each failure has a reason that
 * goes into the rejects artifact; the normalised edit distance is recorded for every pair, since
 * the paper saw about 4% of variants that "completely deviate" and kept them.
 */
import { editDistance, toCodePoints } from '../masks';
import { codeBlocks } from './markdown';

export interface ValidationOptions {
  /** Normalised edit distance above which a variant counts as deviating completely. */
  maxDistance: number;
  /** Drop deviating variants (default: keep them, as the paper did). */
  dropDistant: boolean;
}

export type Validation = { ok: true; distance: number } | { ok: false; reason: string; retry: boolean; distance?: number };

export function normalisedDistance(a: string, c: string): number {
  const ca = toCodePoints(a);
  const cc = toCodePoints(c);
  const longest = Math.max(ca.length, cc.length);
  return longest === 0 ? 0 : editDistance(ca, cc) / longest;
}

/**
 * Identical as text once line endings (CRLF, CR, LF) and the whitespace at the end of each line
 * and of the whole text are normalised. Indentation and blank lines inside code count: in Python
 * a `return` moved into a loop is a real fault.
 */
export function sameUpToLineEnds(a: string, b: string): boolean {
  const normalise = (text: string) => text.replace(/\r\n?/g, '\n').replace(/[^\S\n]+$/gm, '').trimEnd();
  return normalise(a) === normalise(b);
}

export function validateVariant(correct: string, incorrect: string, options: ValidationOptions): Validation {
  if (incorrect.trim().length === 0) return { ok: false, reason: 'empty answer', retry: true };
  if (sameUpToLineEnds(incorrect, correct)) {
    return { ok: false, reason: 'identical to the correct response (up to line endings and trailing whitespace)', retry: true };
  }
  if (codeBlocks(correct).length > 0 && codeBlocks(incorrect).length === 0) {
    return { ok: false, reason: 'no code where the correct response has code', retry: true };
  }
  const distance = normalisedDistance(incorrect, correct);
  if (options.dropDistant && distance > options.maxDistance) {
    return {
      ok: false,
      reason: `deviates completely: normalised edit distance ${distance.toFixed(3)} > ${options.maxDistance} (teacher.maxDistance)`,
      retry: true,
      distance,
    };
  }
  return { ok: true, distance };
}
