/**
 * Bounded retries of transient teacher failures: exponential backoff with full jitter, or the
 * server's Retry-After when it gives one (capped, so a bad header cannot stall a stage).
 */
import { TransientTeacherError } from './llmClient';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, onRetry?: (err: TransientTeacherError) => void): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof TransientTeacherError) || n >= policy.maxAttempts) throw err;
      onRetry?.(err);
      await sleep(delayMs(policy, n, err.retryAfterMs));
    }
  }
}

export function delayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.random() * ceiling;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
