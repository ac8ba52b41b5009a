/**
 * Reads an experiment file (YAML or JSON), validates it and resolves relative paths.
 * Errors name the file, line and key and say what was expected, e.g.
 *   quickstart.yaml:7:14: dataset.shardSize: expected number, received string
 */
import { sha256Hex } from '../artifacts/store';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { experimentSchema, type ExperimentConfig } from './schema';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid experiment file ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** A file that is not an experiment at all (a dataset, a JSON record): one line instead of a page of YAML errors. */
export class NotAnExperimentFileError extends ConfigError {
  constructor(file: string, reason: string) {
    super(file, [reason]);
    this.message = `${file}: not an experiment file (${reason}); an experiment file is a YAML or JSON mapping with "name" and "dataset", e.g. config/examples/quickstart.yaml`;
  }
}

const experimentKeys = new Set(Object.keys(experimentSchema.shape));
const maxSyntaxErrors = 10;

export interface LoadedConfig {
  config: ExperimentConfig;
  /** sha256 of the file's bytes, recorded in the run for auditability. */
  sha256: string;
  file: string;
}

export function loadExperimentFile(file: string): LoadedConfig {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  const config = parseExperimentText(bytes.toString('utf8'), file);
  config.dataset.path = path.resolve(path.dirname(absolute), config.dataset.path);
  if (config.training.model !== undefined) config.training.model = path.resolve(path.dirname(absolute), config.training.model);
  return { config, sha256: sha256Hex(bytes), file: absolute };
}

/** Parses and validates experiment text; `file` is only used in messages. */
export function parseExperimentText(text: string, file: string): ExperimentConfig {
  if (/\.(jsonl|ndjson|jsonlines)$/i.test(file)) throw new NotAnExperimentFileError(file, 'a JSON-lines file; a dataset goes in dataset.path');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    if (/^\s*\{[^\n]*\}\s*\n\s*\{/.test(text)) throw new NotAnExperimentFileError(file, 'one JSON record per line, like a dataset');
    const shown = doc.errors.slice(0, maxSyntaxErrors);
    throw new ConfigError(file, [
      ...shown.map((e) => `${file}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`),
      ...(doc.errors.length > shown.length ? [`... and ${doc.errors.length - shown.length} more syntax errors`] : []),
    ]);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new NotAnExperimentFileError(file, Array.isArray(raw) ? 'a list, not a mapping of keys' : 'no mapping of keys at the top level');
  }
  const keys = Object.keys(raw);
  if (keys.length > 0 && !keys.some((k) => experimentKeys.has(k))) {
    throw new NotAnExperimentFileError(file, `none of its top-level keys (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}) is an experiment key`);
  }
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.map((issue) => describeIssue(issue, doc, lines, file)));
  }
  return parsed.data;
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, file: string): string {
  const keyPath = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const where = locate(doc, lines, keyPath, key);
        return `${file}${where}: ${[...keyPath, key].join('.')}: unknown key`;
      })
      .join('\n  ');
  }
  const where = locate(doc, lines, keyPath);
  const name = keyPath.length > 0 ? keyPath.join('.') : '(top level)';
  return `${file}${where}: ${name}: ${issue.message}`;
}

/** ":line:col" of a key's value in an experiment file ("" when it cannot be found), for checks made after loading. */
export function keyLocation(file: string, keyPath: string[]): string {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines });
    return locate(doc, lines, keyPath);
  } catch {
    return '';
  }
}

/** ":line:col" of the value at keyPath (or of its key `key`), or "" when it is absent from the file. */
function locate(doc: Document, lines: LineCounter, keyPath: string[], key?: string): string {
  let node: unknown = doc.getIn(keyPath, true);
  if (node === undefined) {
    // A missing key: point at the mapping that should hold it.
    for (let depth = keyPath.length - 1; depth >= 0 && node === undefined; depth -= 1) {
      node = depth === 0 ? doc.contents : doc.getIn(keyPath.slice(0, depth), true);
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key)) node = pair.key;
  }
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  if (!range) return '';
  const pos = lines.linePos(range[0]);
  return `:${pos.line}:${pos.col}`;
}
