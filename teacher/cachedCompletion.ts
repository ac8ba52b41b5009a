/**
 * One answer from an OpenAI-compatible endpoint, paid for at most once: the cache first, then a
 * rate-limited request with bounded retries, cached before it is returned. The teacher and
 * evaluation through an endpoint both ask this way.
 */
import type OpenAI from 'openai';
import { AnswerCache, type CachedAnswer } from './cache';
import { chatRequest, requestCompletion, type Endpoint } from './llmClient';
import type { RateLimiter } from './rateLimit';
import { withRetries, type RetryPolicy } from './retry';

/** Requests actually sent, answers served from the cache, and retries of transient failures. */
export interface TeacherCounters {
  calls: number;
  cached: number;
  retries: number;
}

export interface Asker {
  client: OpenAI;
  endpoint: Endpoint;
  cache: AnswerCache;
  limiter: RateLimiter;
  policy: RetryPolicy;
  counters: TeacherCounters;
  /** Version id of the prompt template, part of the cache key (absent: none). */
  promptVersion?: string;
  /** false: ask the endpoint even when an answer is cached (the fresh answer replaces it). */
  readCache?: boolean;
}

export async function cachedCompletion(asker: Asker, prompt: string, sample: number, seed: number): Promise<CachedAnswer> {
  const { endpoint, cache, counters } = asker;
  const request = chatRequest(endpoint, prompt, seed + sample);
  const key = AnswerCache.key({ baseUrl: endpoint.baseUrl, promptVersion: asker.promptVersion ?? null, request });
  const cached = asker.readCache === false ? undefined : cache.get(key);
  if (cached) {
    counters.cached += 1;
    return cached;
  }
  const completion = await asker.limiter.run(() =>
    withRetries(
      asker.policy,
      () => {
        counters.calls += 1;
        return requestCompletion(asker.client, endpoint, request);
      },
      () => (counters.retries += 1),
    ),
  );
  const answer: CachedAnswer = {
    text: completion.ok ? completion.text : null,
    reason: completion.ok ? undefined : completion.reason,
    model: endpoint.model,
    createdAt: new Date().toISOString(),
  };
  await cache.put(key, answer);
  return answer;
}
