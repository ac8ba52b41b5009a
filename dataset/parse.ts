/**
 * Splits a dataset file into raw records with their location, or a per-record error. Decoding is
 * strict UTF-8: a byte sequence that is not UTF-8 is reported at its line instead of becoming
 * U+FFFD characters that would silently alter the training text.
 */
import { isUtf8 } from 'node:buffer';

export type SourceItem =
  | { line: number; location: string; value: Record<string, unknown> }
  | { line: number; location: string; error: string };

export class DatasetFileError extends Error {}

/** Chooses JSON (one array) or JSONL by extension, falling back to the first non-blank byte. */
export function parseDatasetFile(bytes: Buffer, name: string): SourceItem[] {
  const text = bytes.subarray(0, 64).toString('latin1').trimStart();
  const isJson = name.endsWith('.json') || (!/\.(jsonl|ndjson)$/.test(name) && text.startsWith('['));
  const items = isJson ? parseJsonArray(bytes, name) : parseJsonLines(bytes, name);
  if (items.length === 0) {
    throw new DatasetFileError(`${name}: the file is empty (expected ${isJson ? 'a JSON array of records' : 'one JSON record per line'})`);
  }
  return items;
}

export function parseJsonLines(bytes: Buffer, name: string): SourceItem[] {
  const items: SourceItem[] = [];
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let line = 1; start < bytes.length; line += 1) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    const location = `${name}:${line}`;
    if (!isUtf8(raw)) {
      items.push({ line, location, error: 'not valid UTF-8 text (re-encode the file as UTF-8)' });
      continue;
    }
    const text = raw.toString('utf8');
    if (text.trim().length === 0) continue;
    items.push(toItem(text, line, location));
  }
  return items;
}

function toItem(text: string, line: number, location: string): SourceItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, location, error: `malformed JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line, location, error: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 40)}` };
  }
  return { line, location, value: value as Record<string, unknown> };
}

function parseJsonArray(bytes: Buffer, name: string): SourceItem[] {
  if (!isUtf8(bytes)) {
    const bad = parseJsonLines(bytes, name).find((i) => 'error' in i && i.error.startsWith('not valid UTF-8'));
    throw new DatasetFileError(`${bad?.location ?? name}: not valid UTF-8`);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim().length === 0) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new DatasetFileError(`${name}${line ? `:${line}` : ''}: malformed JSON: ${message}`);
  }
  if (!Array.isArray(value)) throw new DatasetFileError(`${name}: expected a JSON array of records at the top level`);
  return value.map((element, index) => {
    const location = `${name}: record ${index + 1}`;
    if (element === null || typeof element !== 'object' || Array.isArray(element)) {
      return { line: index + 1, location, error: 'expected a JSON object' };
    }
    return { line: index + 1, location, value: element as Record<string, unknown> };
  });
}
