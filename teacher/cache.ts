/**
 * Completed teacher answers, stored under a content key, so a retried activity, a restarted
 * worker or a re-run of the experiment never pays for the same answer twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicAsync } from '../artifacts/atomic';
import { sha256Hex } from '../artifacts/store';
import type { ChatRequest } from './llmClient';

/**
 * Everything that decides an answer: where it was asked, with which prompt version, and the
 * request body exactly as sent (model, the prompt, temperature, max_tokens, seed = seed + sample).
 */
export interface CacheKeyParts {
  baseUrl: string;
  /** The prompt template's version id (the teacher's "figure3.v2"); null where a caller has none. */
  promptVersion: string | null;
  request: ChatRequest;
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
    return sha256Hex(JSON.stringify(['answer/v2', normaliseBaseUrl(parts.baseUrl), parts.promptVersion, parts.request]));
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

/**
 * One spelling per endpoint: scheme and host in lower case, no default port, no user info, no
 * trailing slash, no fragment ("HTTP://Host:80/v1/" and "http://host/v1" are one endpoint).
 */
export function normaliseBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
}
