/**
 * One record through the teacher: ask for samples until one yields a valid variant or the sample
 * budget is spent. Every record ends as exactly one pair or one reject with a reason.
 */
import type { TrainingRecord } from '../dataset/records';
import { extractIncorrectResponse } from './parse';
import type { PythonSyntaxChecker } from './pythonSyntax';
import { normalisedDistance, validateVariant, type ValidationOptions } from './validate';
import type { Verdict } from './verify';

/** Provenance recorded in every pair. */
export interface TeacherInfo {
  kind: 'openai' | 'mutation' | 'dataset';
  model?: string;
  temperature?: number;
  /** Version id of the prompt template (teacher/prompt.ts). */
  template?: string;
  templateSha256?: string;
  seed?: number;
}

/**
 * A source of candidate variants: an LLM answers in markdown that still has to be parsed; the
 * mutation teacher hands over a ready variant.
 */
export interface VariantSource {
  info: TeacherInfo;
  sample(record: TrainingRecord, sample: number): Promise<Candidate>;
}

export type Candidate =
  | { kind: 'answer'; text: string }
  | { kind: 'variant'; text: string; details?: Record<string, unknown> }
  | { kind: 'unusable'; reason: string };

export interface Pair {
  id: string;
  line: number;
  instruction: string;
  correct: string;
  incorrect: string;
  tests?: string;
  entryPoint?: string;
  /** Normalised edit distance between the two responses. */
  distance: number;
  teacher: TeacherInfo & { sample?: number; details?: Record<string, unknown>; verified?: string };
}

export interface TeacherReject {
  id: string;
  line: number;
  /** "no valid variant after N samples: " and the distinct reasons, joined by "; ". */
  reason: string;
  /** The distinct reasons of the samples, in the order they first came up. */
  reasons: string[];
  samples: number;
}

export interface TeachOptions {
  maxSamples: number;
  validation: ValidationOptions;
  syntax?: PythonSyntaxChecker;
  /** Verified-incorrect mode: runs a variant against the record's tests. */
  runTests?: (incorrect: string, tests: string) => Promise<Verdict>;
}

export async function teachRecord(record: TrainingRecord, source: VariantSource, options: TeachOptions): Promise<{ pair: Pair } | { reject: TeacherReject }> {
  if (record.incorrect !== undefined) {
    // A variant the dataset brings is the user's choice: recorded, not second-guessed.
    return { pair: toPair(record, record.incorrect, normalisedDistance(record.incorrect, record.response), { kind: 'dataset' }) };
  }
  const reasons: string[] = [];
  for (let sample = 0; sample < options.maxSamples; sample += 1) {
    const candidate = await source.sample(record, sample);
    if (candidate.kind === 'unusable') {
      reasons.push(candidate.reason);
      if (source.info.kind === 'dataset') break;
      continue;
    }
    const parsed = candidate.kind === 'answer' ? extractIncorrectResponse(candidate.text, record.response) : { ok: true as const, response: candidate.text };
    if (!parsed.ok) {
      reasons.push(parsed.reason);
      continue;
    }
    const validation = validateVariant(record.response, parsed.response, options.validation);
    if (!validation.ok) {
      reasons.push(validation.reason);
      continue;
    }
    const syntaxError = options.syntax ? await options.syntax.firstError(parsed.response) : null;
    if (syntaxError) {
      reasons.push(syntaxError);
      continue;
    }
    let verified: string | undefined;
    if (options.runTests && record.tests) {
      const outcome = await options.runTests(parsed.response, record.tests);
      if (outcome.verdict === 'passes') {
        reasons.push('the variant passes the record’s tests (not verifiably incorrect)');
        continue;
      }
      verified = `fails the record’s tests: ${outcome.detail}`;
    }
    const details = candidate.kind === 'variant' ? candidate.details : undefined;
    return { pair: toPair(record, parsed.response, validation.distance, { ...source.info, sample, details, verified }) };
  }
  const samples = reasons.length;
  const distinct = unique(reasons);
  return {
    reject: { id: record.id, line: record.line, samples, reason: `no valid variant after ${samples} sample${samples === 1 ? '' : 's'}: ${distinct.join('; ')}`, reasons: distinct },
  };
}

function toPair(record: TrainingRecord, incorrect: string, distance: number, teacher: Pair['teacher']): Pair {
  return {
    id: record.id,
    line: record.line,
    instruction: record.instruction,
    correct: record.response,
    incorrect,
    tests: record.tests,
    entryPoint: record.entryPoint,
    distance,
    teacher,
  };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
