/**
 * Benchmark files are read in place from the shared data folder (nothing is downloaded and
 * nothing is copied into the repository) and checked against its SHA256SUMS before use, so a
 * truncated or edited file fails loudly instead of silently changing scores.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/** FAIT_DATA_DIR, else <repo>/../shared/data. */
export function resolveDataDir(explicit?: string): string {
  return path.resolve(explicit ?? process.env.FAIT_DATA_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'data'));
}

export function readChecksums(dataDir: string): Map<string, string> {
  const file = path.join(dataDir, 'SHA256SUMS');
  if (!existsSync(file)) {
    throw new DataFileError(`no SHA256SUMS in the data folder ${dataDir} (set FAIT_DATA_DIR to the folder holding the benchmark files)`);
  }
  const sums = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m) sums.set(m[2], m[1]);
  }
  return sums;
}

export interface VerifiedFile {
  path: string;
  sha256: string;
  bytes: Buffer;
}

/** Reads a data file and checks its sha256 against SHA256SUMS. */
export function readVerifiedDataFile(dataDir: string, file: string): VerifiedFile {
  const full = path.join(dataDir, file);
  if (!existsSync(full)) throw new DataFileError(`benchmark file ${full} is missing (data folder: ${dataDir}; set FAIT_DATA_DIR)`);
  const expected = readChecksums(dataDir).get(file);
  if (!expected) throw new DataFileError(`${file} has no entry in ${path.join(dataDir, 'SHA256SUMS')}`);
  const bytes = readFileSync(full);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new DataFileError(
      `benchmark file ${full} does not match SHA256SUMS: expected sha256 ${expected}, got ${actual}; ` +
        'restore the original file (never edit the benchmark files)',
    );
  }
  return { path: full, sha256: actual, bytes };
}

export function repoRoot(): string {
  return REPO_ROOT;
}
