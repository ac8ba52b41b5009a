/**
 * Completed teacher answers, stored under a content key, so a retried activity, a restarted
 * worker or a re-run of the experiment never pays for the same answer twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicAsync } from '../artifacts/atomic';
import { sha256Hex } from '../artifacts/store';

export interface CacheKeyParts {
  /** sha256 of the rendered prompt: covers the template, the question and the correct response. */
  promptSha256: string;
  model: string;
  temperature: number;
  sample: number;
  seed: number;
}

export interface CachedAnswer {
  /** The answer, or null when the endpoint answered without usable content (reason says why). */
  text: string | null;
  reason?: string;
  model: string;
  createdAt: string;
}

export class AnswerCache {
  constructor(readonly root: string) {}

  static key(parts: CacheKeyParts): string {
    return sha256Hex(JSON.stringify([parts.promptSha256, parts.model, parts.temperature, parts.sample, parts.seed]));
  }

  get(key: string): CachedAnswer | undefined {
    const file = this.file(key);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CachedAnswer) : undefined;
  }

  put(key: string, answer: CachedAnswer): Promise<void> {
    return writeFileAtomicAsync(this.file(key), JSON.stringify(answer));
  }

  private file(key: string): string {
    return path.join(this.root, key.slice(0, 2), `${key}.json`);
  }
}
