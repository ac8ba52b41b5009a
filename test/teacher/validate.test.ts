/** Variant validation, retries, rate limits and cache keys of the teacher. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnswerCache, normaliseBaseUrl } from '../../teacher/cache';
import { chatRequest, TransientTeacherError } from '../../teacher/llmClient';
import { PythonSyntaxChecker } from '../../teacher/pythonSyntax';
import { RateLimiter } from '../../teacher/rateLimit';
import { delayMs, withRetries } from '../../teacher/retry';
import { validateVariant } from '../../teacher/validate';

const options = { maxDistance: 0.5, dropDistant: false };
const code = (body: string) => `Explanation.\n\n\`\`\`python\n${body}\n\`\`\`\n`;

describe('variant validation', () => {
  test('empty, identical and code-less variants are rejected for a new sample', () => {
    const correct = code('x = 1');
    assert.deepEqual(validateVariant(correct, '  ', options), { ok: false, reason: 'empty answer', retry: true });
    assert.deepEqual(validateVariant(correct, correct, options), {
      ok: false,
      reason: 'identical to the correct response (up to line endings and trailing whitespace)',
      retry: true,
    });
    assert.match((validateVariant(correct, 'x = 2', options) as { reason: string }).reason, /no code where the correct response has code/);
  });

  test('"identical" normalises line endings and trailing whitespace only; indentation and blank lines count', () => {
    const correct = code('def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s');
    const identical = [
      correct.replace(/\n/g, '\r\n'),
      correct.replace(/\n/g, '\r'),
      correct.replace(/\n/g, ' \t\n'),
      correct.replace('s = 0\n', 's = 0   \n'),
      correct + '\n\n',
      correct.trimEnd(),
    ];
    for (const variant of identical) {
      const verdict = validateVariant(correct, variant, options);
      assert.ok(!verdict.ok && /^identical/.test(verdict.reason), JSON.stringify(variant));
    }
    // The Python fault the old whitespace-squashing check threw away: `return` moved into the loop.
    const returnInLoop = correct.replace('\n    return s', '\n        return s');
    assert.ok(validateVariant(correct, returnInLoop, options).ok);
    const dedented = correct.replace('        s += x', '    s += x');
    assert.ok(validateVariant(correct, dedented, options).ok);
    const blankLineInCode = correct.replace('    s = 0\n', '    s = 0\n\n');
    assert.ok(validateVariant(correct, blankLineInCode, options).ok);
    const innerSpaces = correct.replace('s += x', 's +=  x');
    assert.ok(validateVariant(correct, innerSpaces, options).ok, 'whitespace inside a line is not "trailing"');
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

  test('cache keys change with the base URL, the template version and every request parameter', () => {
    const endpoint = { baseUrl: 'http://teacher.example:8000/v1', model: 'm', temperature: 0.8, maxTokens: 2048, timeoutMs: 1000 };
    const base = { baseUrl: endpoint.baseUrl, promptVersion: 'figure3.v2', request: chatRequest(endpoint, 'prompt', 0) };
    const variants = [
      base,
      { ...base, baseUrl: 'http://other.example:8000/v1' },
      { ...base, baseUrl: 'http://teacher.example:8001/v1' },
      { ...base, baseUrl: 'http://teacher.example:8000/v2' },
      { ...base, promptVersion: 'figure3.v1' },
      { ...base, promptVersion: null },
      { ...base, request: chatRequest({ ...endpoint, model: 'n' }, 'prompt', 0) },
      { ...base, request: chatRequest(endpoint, 'prompt!', 0) },
      { ...base, request: chatRequest({ ...endpoint, temperature: 0.7 }, 'prompt', 0) },
      { ...base, request: chatRequest({ ...endpoint, maxTokens: 1024 }, 'prompt', 0) },
      { ...base, request: chatRequest(endpoint, 'prompt', 1) },
    ];
    assert.equal(new Set(variants.map((v) => AnswerCache.key(v))).size, variants.length);
    // The request body covers every parameter the client sends.
    assert.deepEqual(Object.keys(base.request).sort(), ['max_tokens', 'messages', 'model', 'seed', 'temperature']);
    // One endpoint, several spellings: one key.
    for (const spelling of ['HTTP://Teacher.Example:8000/v1/', 'http://teacher.example:8000/v1//', 'http://user:secret@teacher.example:8000/v1#x']) {
      assert.equal(AnswerCache.key({ ...base, baseUrl: spelling }), AnswerCache.key(base), spelling);
    }
    assert.equal(normaliseBaseUrl('https://api.example.com:443/v1/'), 'https://api.example.com/v1');
    assert.equal(normaliseBaseUrl('http://127.0.0.1:80/v1?api-version=2'), 'http://127.0.0.1/v1?api-version=2');
  });
});
