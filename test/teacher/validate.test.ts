/** Variant validation, retries, rate limits and cache keys of the teacher. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnswerCache } from '../../teacher/cache';
import { TransientTeacherError } from '../../teacher/llmClient';
import { PythonSyntaxChecker } from '../../teacher/pythonSyntax';
import { RateLimiter } from '../../teacher/rateLimit';
import { delayMs, withRetries } from '../../teacher/retry';
import { validateVariant } from '../../teacher/validate';

const options = { maxDistance: 0.5, dropDistant: false };
const code = (body: string) => `Explanation.\n\n\`\`\`python\n${body}\n\`\`\`\n`;

describe('variant validation', () => {
  test('empty, identical (up to whitespace) and code-less variants are rejected for a new sample', () => {
    const correct = code('x = 1');
    assert.deepEqual(validateVariant(correct, '  ', options), { ok: false, reason: 'empty answer', retry: true });
    assert.match((validateVariant(correct, correct.replace('x = 1', 'x  =  1') + '\n', options) as { reason: string }).reason, /identical/);
    assert.match((validateVariant(correct, 'x = 2', options) as { reason: string }).reason, /no code where the correct response has code/);
  });

  test('the normalised edit distance is recorded; far variants are kept unless dropDistant', () => {
    const correct = code('x = 1');
    const near = validateVariant(correct, code('x = 2'), options);
    // One edit over the length, one double division on each side: equal up to 1.1e-16 relative, far below 1e-12.
    assert.ok(near.ok && Math.abs(near.distance - 1 / correct.length) < 1e-12);
    const far = code('import os\nos.system("echo something else entirely")');
    assert.ok(validateVariant(correct, far, options).ok);
    const dropped = validateVariant(correct, far, { ...options, dropDistant: true });
    assert.ok(!dropped.ok && /deviates completely: normalised edit distance 0\.\d+ > 0\.5/.test(dropped.reason));
  });

  test('CPython decides whether a variant parses', async () => {
    const checker = new PythonSyntaxChecker();
    try {
      assert.equal(await checker.firstError(code('def f(x):\n    return x + 1')), null);
      assert.equal(await checker.firstError(code('def f(x)\n    return x')), 'Python does not parse: line 1: expected \':\'');
      assert.equal(await checker.firstError('no code at all'), null);
    } finally {
      checker.close();
    }
  });
});

describe('retries and limits', () => {
  test('transient failures are retried up to the bound; others are not retried', async () => {
    let calls = 0;
    const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
    await assert.rejects(withRetries(policy, async () => { calls += 1; throw new TransientTeacherError('503'); }), /503/);
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(withRetries(policy, async () => { calls += 1; throw new Error('bug'); }), /bug/);
    assert.equal(calls, 1);
    calls = 0;
    assert.equal(await withRetries(policy, async () => (++calls < 2 ? Promise.reject(new TransientTeacherError('x')) : 'ok')), 'ok');
  });

  test('backoff grows exponentially with jitter and honours Retry-After up to the cap', () => {
    const policy = { maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 50; i += 1) {
      assert.ok(delayMs(policy, 1) <= 100);
      assert.ok(delayMs(policy, 4) <= 800);
      assert.ok(delayMs(policy, 9) <= 1000);
    }
    assert.equal(delayMs(policy, 1, 300), 300);
    assert.equal(delayMs(policy, 1, 60_000), 1000);
  });

  test('the rate limiter never exceeds its concurrency', async () => {
    const limiter = new RateLimiter(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active -= 1;
        }),
      ),
    );
    assert.equal(peak, 3);
  });

  test('cache keys change with every part of the key', () => {
    const base = { promptSha256: 'a'.repeat(64), model: 'm', temperature: 0.8, sample: 0, seed: 0 };
    const keys = new Set([
      AnswerCache.key(base),
      AnswerCache.key({ ...base, promptSha256: 'b'.repeat(64) }),
      AnswerCache.key({ ...base, model: 'n' }),
      AnswerCache.key({ ...base, temperature: 0.7 }),
      AnswerCache.key({ ...base, sample: 1 }),
      AnswerCache.key({ ...base, seed: 1 }),
    ]);
    assert.equal(keys.size, 6);
    assert.equal(AnswerCache.key(base), AnswerCache.key({ ...base }));
  });
});
