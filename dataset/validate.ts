/**
 * Turns raw source items into normalised records: field mapping, validation, duplicate removal.
 * Nothing is dropped silently: every item ends as exactly one record or one reject with a reason.
 */
import { createHash } from 'node:crypto';
import type { DatasetConfig } from '../config/schema';
import { detectLayout, extractFields, type Layout } from './formats';
import type { SourceItem } from './parse';
import { RecordError, type Reject, type TrainingRecord } from './records';

export interface ValidatedDataset {
  records: TrainingRecord[];
  rejects: Reject[];
  counts: { items: number; kept: number; invalid: number; duplicates: number };
  layouts: Partial<Record<Layout, number>>;
}

type Options = Pick<DatasetConfig, 'format' | 'fields' | 'deduplicate' | 'maxChars' | 'limit'>;

export function validateItems(items: SourceItem[], options: Options): ValidatedDataset {
  const records: TrainingRecord[] = [];
  const rejects: Reject[] = [];
  const layouts: Partial<Record<Layout, number>> = {};
  const seenContent = new Map<string, TrainingRecord>();
  const seenIds = new Map<string, number>();
  let invalid = 0;
  let duplicates = 0;
  const considered = options.limit !== undefined ? items.slice(0, options.limit) : items;

  for (const item of considered) {
    if ('error' in item) {
      rejects.push({ line: item.line, kind: 'invalid', reason: `${item.location}: ${item.error}` });
      invalid += 1;
      continue;
    }
    let record: TrainingRecord;
    let layout: Layout;
    try {
      layout = options.format === 'auto' ? detectLayout(item.value) : options.format;
      const fields = extractFields(item.value, layout, options.fields);
      record = { ...fields, id: fields.id ?? `line-${item.line}`, line: item.line };
      checkLength(record, options.maxChars);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      rejects.push({ line: item.line, field: err.field, kind: 'invalid', reason: `${item.location}: ${err.message}` });
      invalid += 1;
      continue;
    }
    const previousLine = seenIds.get(record.id);
    if (previousLine !== undefined) {
      rejects.push({ line: item.line, id: record.id, field: 'id', kind: 'invalid', reason: `${item.location}: id "${record.id}" already used on line ${previousLine}` });
      invalid += 1;
      continue;
    }
    seenIds.set(record.id, item.line);
    if (options.deduplicate) {
      const key = contentKey(record);
      const first = seenContent.get(key);
      if (first) {
        rejects.push({ line: item.line, id: record.id, kind: 'duplicate', reason: `${item.location}: same instruction and response as "${first.id}" (line ${first.line})` });
        duplicates += 1;
        continue;
      }
      seenContent.set(key, record);
    }
    layouts[layout] = (layouts[layout] ?? 0) + 1;
    records.push(record);
  }
  return { records, rejects, counts: { items: considered.length, kept: records.length, invalid, duplicates }, layouts };
}

function checkLength(record: TrainingRecord, maxChars: number): void {
  for (const field of ['instruction', 'response'] as const) {
    if (record[field].length > maxChars) {
      throw new RecordError(`field "${field}": ${record[field].length} characters, over the limit of ${maxChars} (dataset.maxChars)`, field);
    }
  }
}

/** Duplicates are the same pair up to surrounding whitespace, which changes neither prompt nor target. */
function contentKey(record: TrainingRecord): string {
  return createHash('sha256').update(record.instruction.trim()).update('\0').update(record.response.trim()).digest('hex');
}
