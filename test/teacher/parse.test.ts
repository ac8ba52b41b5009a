/** Extracting the incorrect response from real-looking teacher answers, one wrapping style each. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractIncorrectResponse } from '../../teacher/parse';

const correct = 'Loop to the end.\n\n```python\ndef last(xs):\n    return xs[len(xs) - 1]\n```\n';
const variant = 'Loop to the end.\n\n```python\ndef last(xs):\n    return xs[len(xs) - 2]\n```\n';

function extract(answer: string) {
  const result = extractIncorrectResponse(answer, correct);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.response;
}

describe('teacher answer parsing', () => {
  test('a bare answer is taken as it is', () => {
    assert.equal(extract(variant), variant);
  });

  test('an outer ```markdown wrapper is removed, inner code fences kept', () => {
    assert.equal(extract('```markdown\n' + variant + '```\n'), variant);
    assert.equal(extract('Here is the incorrect response:\n\n````md\n' + variant + '````\nHope this helps.'), variant);
  });

  test('a heading or bold label naming the answer is dropped', () => {
    assert.equal(extract('## Incorrect Response\n\n' + variant), variant);
    assert.equal(extract('**Buggy solution:**\n' + variant), variant);
    assert.equal(extract('Sure! Here is a subtly wrong version:\n\n### Incorrect Answer\n' + variant), variant);
  });

  test('an explanation of the injected bug after the code is dropped', () => {
    assert.equal(extract(variant + '\n**Explanation:** the index is off by one.\n'), variant);
    assert.equal(extract(variant + '\n### Error introduced\n- `len(xs) - 2` skips the last item.\n'), variant);
    assert.equal(extract(variant + '\nNote: this returns the second-to-last element.\n'), variant);
    assert.equal(extract('```markdown\n## Incorrect Response\n' + variant + '```\n\nThe subtle error is the index.'), variant);
  });

  test('comments that point at the bug are removed unless the correct response has them', () => {
    const commented = variant.replace('- 2]', '- 2]  # bug: should be - 1');
    assert.equal(extract(commented), variant);
    const ownLine = variant.replace('    return', '    # Error introduced: wrong index\n    return');
    assert.equal(extract(ownLine), variant);
    const keep = extractIncorrectResponse('```python\nx = 1  # should be small\n```\n', '```python\nx = 0  # should be small\n```\n');
    assert.deepEqual(keep, { ok: true, response: '```python\nx = 1  # should be small\n```\n' });
  });

  test('answers without code, or with code blocks that do not line up, are unusable', () => {
    assert.deepEqual(extractIncorrectResponse('The index is wrong.', correct), { ok: false, reason: 'the answer has no code block but the correct response has code' });
    assert.deepEqual(extractIncorrectResponse(variant + '\n```python\nprint(1)\n```\n', correct), { ok: false, reason: 'the answer has 2 code blocks, the correct response 1' });
    assert.deepEqual(extractIncorrectResponse('```markdown\n```\n', correct), { ok: false, reason: 'empty answer after removing wrappers and explanations' });
  });

  test('CRLF answers keep the correct response’s line endings', () => {
    const crlf = correct.replace(/\n/g, '\r\n');
    const result = extractIncorrectResponse(variant.replace(/\n/g, '\r\n'), crlf);
    assert.ok(result.ok && result.response === variant.replace(/\n/g, '\r\n'));
  });
});
