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
  return splitJsonArray(text, name).map(({ source, line }, index) => toItem(source, line, `${name}:${line} (record ${index + 1})`));
}

/**
 * Splits a top-level JSON array into its elements' source text and starting lines, so that each
 * record is parsed (and, if broken, reported with its line) on its own, as JSONL lines are.
 */
function splitJsonArray(text: string, name: string): { source: string; line: number }[] {
  const open = text.search(/\S/);
  if (text[open] !== '[') throw new DatasetFileError(`${name}: expected a JSON array of records at the top level`);
  const elements: { source: string; line: number }[] = [];
  let line = 1 + countNewlines(text, 0, open);
  let depth = 0;
  let inString = false;
  let start = open + 1;
  let startLine = line;
  for (let i = open + 1; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\n') line += 1;
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if ((c === '}' || c === ']') && depth > 0) depth -= 1;
    else if ((c === ',' || c === ']') && depth === 0) {
      const source = text.slice(start, i);
      if (source.trim().length > 0 || c === ',') {
        elements.push({ source, line: startLine + countNewlines(source, 0, source.search(/\S|$/)) });
      }
      if (c === ']') {
        if (text.slice(i + 1).trim().length > 0) throw new DatasetFileError(`${name}:${line}: unexpected text after the closing "]"`);
        return elements;
      }
      start = i + 1;
      startLine = line;
    }
  }
  throw new DatasetFileError(`${name}:${line}: the JSON array is not closed with "]"`);
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) if (text[i] === '\n') n += 1;
  return n;
}
