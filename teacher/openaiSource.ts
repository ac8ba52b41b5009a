/**
 * The LLM teacher as a variant source: the Figure 3 prompt to an OpenAI-compatible endpoint,
 * every answer cached under its content key before it is used.
 */
import { sha256Hex } from '../artifacts/store';
import type { TeacherConfig } from '../config/schema';
import type { TrainingRecord } from '../dataset/records';
import { AnswerCache } from './cache';
import type { Candidate, VariantSource } from './generate';
import { createClient, requestCompletion, type Endpoint } from './llmClient';
import { loadTemplate, renderPrompt } from './prompt';
import type { RateLimiter } from './rateLimit';
import { withRetries } from './retry';

/** Requests actually sent, answers served from the cache, and retries of transient failures. */
export interface TeacherCounters {
  calls: number;
  cached: number;
  retries: number;
}

export function createOpenAiSource(config: TeacherConfig, apiKey: string, cache: AnswerCache, limiter: RateLimiter, counters: TeacherCounters): VariantSource {
  const endpoint: Endpoint = {
    baseUrl: config.baseUrl!,
    model: config.model!,
    temperature: config.temperature,
    maxTokens: config.maxTokens,
    timeoutMs: durationMs(config.requestTimeout),
  };
  const client = createClient(endpoint, apiKey);
  const template = loadTemplate();
  const policy = { maxAttempts: config.maxAttempts, baseDelayMs: 500, maxDelayMs: 60_000 };
  return {
    info: { kind: 'openai', model: endpoint.model, temperature: endpoint.temperature, templateSha256: template.sha256, seed: config.seed },
    async sample(record: TrainingRecord, sample: number): Promise<Candidate> {
      const prompt = renderPrompt(template, record.instruction, record.response);
      const key = AnswerCache.key({ promptSha256: sha256Hex(prompt), model: endpoint.model, temperature: endpoint.temperature, sample, seed: config.seed });
      let answer = cache.get(key);
      if (answer) {
        counters.cached += 1;
      } else {
        const completion = await limiter.run(() =>
          withRetries(
            policy,
            () => {
              counters.calls += 1;
              return requestCompletion(client, endpoint, prompt, config.seed + sample);
            },
            () => (counters.retries += 1),
          ),
        );
        answer = { text: completion.ok ? completion.text : null, reason: completion.ok ? undefined : completion.reason, model: endpoint.model, createdAt: new Date().toISOString() };
        await cache.put(key, answer);
      }
      return answer.text === null ? { kind: 'unusable', reason: answer.reason ?? 'no content' } : { kind: 'answer', text: answer.text };
    },
  };
}

/** "120s", "2m", "500ms" to milliseconds (the schema has validated the form). */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text)!;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}
