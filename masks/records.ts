// Record-level masking for the JSONL pair format.
//
// Input line:  {"id": ..., "correct": "...", "incorrect": "...", "segments"?: "all" | "code"}
// Output line: {"id": ..., "correct": {"lineMask", "charSpans"}, "incorrect": {...}, "stats": {...}}
//
// A bad record never throws: it becomes a reject {id?, line?, field?, reason} naming the field and
// what was expected, and the rest of the batch goes on. No file I/O here; the workflow activity
// and the CLI read and write the files.

import { codePointLength } from './codePoints';
import { maskPair, PairStats, Segments, SideMask } from './pairMask';

export const DEFAULT_MAX_CHARS = 100_000;

export interface RecordOptions {
  /** Longest accepted text, in code points (default 100 000). */
  maxChars?: number;
  /** Default segments when a record has no "segments" field (default 'all'). */
  segments?: Segments;
  /** Anchor one-sided gaps on the side without them (see anchorGaps.ts; default false). */
  anchorGaps?: boolean;
}

export type RecordId = string | number;

export interface MaskLine {
  id: RecordId;
  correct: SideMask;
  incorrect: SideMask;
  stats: PairStats;
}

export interface RecordError {
  id?: RecordId;
  /** 1-based line (or element) number in the batch. */
  line?: number;
  field?: string;
  reason: string;
}

export type RecordResult = { ok: true; value: MaskLine } | { ok: false; error: RecordError };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function checkOptions(opts: RecordOptions): { maxChars: number; segments: Segments; anchorGaps: boolean } {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 0) {
    throw new RangeError(`maxChars must be a non-negative integer, got ${String(maxChars)}`);
  }
  const segments = opts.segments ?? 'all';
  if (segments !== 'all' && segments !== 'code') {
    throw new RangeError(`segments must be 'all' or 'code', got ${JSON.stringify(segments)}`);
  }
  const anchorGaps = opts.anchorGaps ?? false;
  if (typeof anchorGaps !== 'boolean') {
    throw new RangeError(`anchorGaps must be a boolean, got ${JSON.stringify(anchorGaps)}`);
  }
  return { maxChars, segments, anchorGaps };
}

function validId(v: unknown): v is RecordId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Masks one parsed record, or explains why it cannot. `line` is only copied into errors. */
export function maskRecord(raw: unknown, opts: RecordOptions = {}, line?: number): RecordResult {
  const { maxChars, segments: defaultSegments, anchorGaps } = checkOptions(opts);
  const fail = (error: Omit<RecordError, 'line'>): RecordResult => ({
    ok: false,
    error: line === undefined ? error : { ...error, line },
  });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail({ reason: `record must be a JSON object with "id", "correct" and "incorrect", got ${describe(raw)}` });
  }
  const rec = raw as Record<string, unknown>;
  if (!('id' in rec) || rec.id === undefined) {
    return fail({ field: 'id', reason: 'missing field "id" (expected a string or a number)' });
  }
  if (!validId(rec.id)) {
    return fail({ field: 'id', reason: `field "id" must be a string or a finite number, got ${describe(rec.id)}` });
  }
  const id = rec.id;
  for (const field of ['correct', 'incorrect'] as const) {
    const v = rec[field];
    if (v === undefined) {
      return fail({ id, field, reason: `missing field "${field}" (expected a string)` });
    }
    if (typeof v !== 'string') {
      return fail({ id, field, reason: `field "${field}" must be a string, got ${describe(v)}` });
    }
    // A string of L UTF-16 units has at most L code points: only count when it may be too long.
    if (v.length > maxChars) {
      const len = codePointLength(v);
      if (len > maxChars) {
        return fail({
          id,
          field,
          reason: `field "${field}" is too long: ${len} code points, the limit (maxChars) is ${maxChars}`,
        });
      }
    }
  }
  let segments = defaultSegments;
  if (rec.segments !== undefined) {
    if (rec.segments !== 'all' && rec.segments !== 'code') {
      return fail({
        id,
        field: 'segments',
        reason: `field "segments" must be "all" or "code", got ${JSON.stringify(rec.segments) ?? describe(rec.segments)}`,
      });
    }
    segments = rec.segments;
  }
  try {
    const m = maskPair(rec.correct as string, rec.incorrect as string, { segments, anchorGaps });
    return { ok: true, value: { id, correct: m.correct, incorrect: m.incorrect, stats: m.stats } };
  } catch (err) {
    // Not expected; reported per record so that one bad pair cannot kill a batch.
    return fail({ id, reason: `internal error while masking: ${err instanceof Error ? err.message : String(err)}` });
  }
}

/** Parses (if given a string) and masks one JSONL line. Blank lines give null. */
export function maskJsonLine(text: string, opts: RecordOptions = {}, line?: number): RecordResult | null {
  if (text.trim() === '') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const reason = `invalid JSON: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, error: line === undefined ? { reason } : { line, reason } };
  }
  return maskRecord(raw, opts, line);
}

/**
 * Masks a batch. Each element is either a JSONL line (string; blank lines are skipped) or an
 * already parsed record. Errors carry the 1-based element number as `line`.
 */
export function maskRecords(
  inputs: Iterable<unknown>,
  opts: RecordOptions = {},
): { masks: MaskLine[]; rejects: RecordError[] } {
  checkOptions(opts);
  const masks: MaskLine[] = [];
  const rejects: RecordError[] = [];
  let line = 0;
  for (const input of inputs) {
    line++;
    const r = typeof input === 'string' ? maskJsonLine(input, opts, line) : maskRecord(input, opts, line);
    if (r === null) continue;
    if (r.ok) masks.push(r.value);
    else rejects.push(r.error);
  }
  return { masks, rejects };
}

/** The output JSONL line of a mask (no trailing newline). */
export function formatMaskLine(mask: MaskLine): string {
  return JSON.stringify(mask);
}
