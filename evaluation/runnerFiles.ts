/**
 * The Python runners travel into the sandbox as files of its private workdir (runner/*.py), so
 * the repository itself is never bound into it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './dataFiles';

const cache = new Map<string, string>();

export function runnerDir(): string {
  return path.join(repoRoot(), 'evaluation', 'runner');
}

export function runnerFiles(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    let text = cache.get(n);
    if (text === undefined) {
      text = readFileSync(path.join(runnerDir(), n), 'utf8');
      cache.set(n, text);
    }
    out[`runner/${n}`] = text;
  }
  return out;
}
