/**
 * The LLM teacher as a variant source: the paper's Figure 3 prompt (teacher/prompt.ts) as one
 * user message to an OpenAI-compatible endpoint, every answer cached under its content key
 * (endpoint, template version, request) before it is used, unless teacher.cache is false.
 */
import type { TeacherConfig } from '../config/schema';
import type { TrainingRecord } from '../dataset/records';
import type { AnswerCache } from './cache';
import { cachedCompletion, type TeacherCounters } from './cachedCompletion';
import type { Candidate, VariantSource } from './generate';
import { createClient, type Endpoint } from './llmClient';
import { loadTemplate, renderPrompt } from './prompt';
import type { RateLimiter } from './rateLimit';

export function createOpenAiSource(config: TeacherConfig, apiKey: string, cache: AnswerCache, limiter: RateLimiter, counters: TeacherCounters): VariantSource {
  const endpoint: Endpoint = {
    baseUrl: config.baseUrl!,
    model: config.model!,
    temperature: config.temperature,
    maxTokens: config.maxTokens,
    timeoutMs: durationMs(config.requestTimeout),
  };
  const template = loadTemplate();
  const policy = { maxAttempts: config.maxAttempts, baseDelayMs: 500, maxDelayMs: 60_000 };
  const asker = { client: createClient(endpoint, apiKey), endpoint, cache, limiter, policy, counters, promptVersion: template.name, readCache: config.cache };
  return {
    info: { kind: 'openai', model: endpoint.model, temperature: endpoint.temperature, template: template.name, templateSha256: template.sha256, seed: config.seed },
    async sample(record: TrainingRecord, sample: number): Promise<Candidate> {
      const answer = await cachedCompletion(asker, renderPrompt(template, record.instruction, record.response), sample, config.seed);
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
