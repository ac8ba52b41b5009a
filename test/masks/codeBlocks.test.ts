import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { codeLineFlags, codeSpans, isClosingFence, openingFenceLength, splitLines } from '../../masks';

const flags = (text: string) => Array.from(codeLineFlags(splitLines(text))).join('');

describe('fenced code blocks', () => {
  it('recognizes opening and closing fences', () => {
    assert.equal(openingFenceLength('```python\n'), 3);
    assert.equal(openingFenceLength('  ````\r\n'), 4);
    assert.equal(openingFenceLength('``\n'), 0);
    assert.equal(openingFenceLength('```x``` inline\n'), 0);
    assert.equal(openingFenceLength('text ```\n'), 0);
    assert.equal(isClosingFence('```\n', 3), true);
    assert.equal(isClosingFence('   ````  \r\n', 3), true);
    assert.equal(isClosingFence('```\n', 4), false);
    assert.equal(isClosingFence('```python\n', 3), false);
  });

  it('flags the lines strictly between fences', () => {
    assert.equal(flags('Intro\n```python\ncode1\ncode2\n```\nOutro\n'), '001100');
    assert.equal(flags('```\na\n```\nb\n```py\nc\n```'), '0100010');
    assert.equal(flags('no fences\nat all\n'), '00');
    assert.equal(flags(''), '');
    // unclosed block runs to the end
    assert.equal(flags('text\n```python\nx = 1\ny = 2'), '0011');
    // a longer fence needs a closing fence at least as long; ``` inside is code
    assert.equal(flags('````\n```\nx\n````\n'), '0110');
    // CRLF fences
    assert.equal(flags('```py\r\nx\r\n```\r\n'), '010');
  });

  it('gives code-point spans of the code lines', () => {
    const text = 'Intro 😀\n```python\nx = "é"\ny\n```\nOutro\n';
    // "Intro 😀\n" = 8 code points, "```python\n" = 10 -> code starts at 18;
    // 'x = "é"\n' = 8, "y\n" = 2 -> ends at 28.
    assert.deepEqual(codeSpans(splitLines(text)), [[18, 28]]);
  });
});
