/** The teacher prompt is the paper's Figure 3, byte for byte, as one user message. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256Hex } from '../../artifacts/store';
import { locateCorrectResponse, locateQuestion } from '../helpers/openaiDouble';
import { loadTemplate, renderPrompt, templateName } from '../../teacher/prompt';

const instruction = 'Write a function `last(xs)` that returns the last element of a list.';
const response = 'Index from the end.\n\n```python\ndef last(xs):\n    return xs[-1]\n```\n';

describe('teacher prompt (paper, Figure 3)', () => {
  test('the rendered prompt is exactly the paper’s, the response as is at its end', () => {
    const expected =
      'Please generate an incorrect response based on the provided question and correct answer. The response should be similar to the correct answer while introducing subtle but meaningful errors that appear plausible at first glance. Present your output in markdown format.\n' +
      '\n' +
      'Question:\n' +
      '\n' +
      '```text\n' +
      'Write a function `last(xs)` that returns the last element of a list.\n' +
      '```\n' +
      '\n' +
      'Correct response:\n' +
      '\n' +
      'Index from the end.\n' +
      '\n' +
      '```python\n' +
      'def last(xs):\n' +
      '    return xs[-1]\n' +
      '```\n';
    const prompt = renderPrompt(loadTemplate(), instruction, response);
    assert.equal(prompt, expected);
    assert.equal(Buffer.compare(Buffer.from(prompt, 'utf8'), Buffer.from(expected, 'utf8')), 0);
  });

  test('a new version id and the sha256 of exactly the text that is sent', () => {
    const template = loadTemplate();
    assert.equal(templateName, 'figure3.v2');
    assert.equal(template.name, 'figure3.v2');
    assert.equal(template.sha256, sha256Hex(template.text));
    assert.ok(template.text.endsWith('Correct response:\n\n{Response}'), 'nothing is sent after the response');
  });

  test('placeholders, "$&" and fences in the record stay literal', () => {
    const tricky = 'Print "{Response}" and "$&" literally.';
    const prompt = renderPrompt(loadTemplate(), tricky, response);
    assert.ok(prompt.includes(`\`\`\`text\n${tricky}\n\`\`\`\n`));
    assert.ok(prompt.endsWith(`Correct response:\n\n${response}`));
    assert.equal(prompt.split('{Response}').length, 2, 'only the instruction’s own "{Response}" remains');
  });

  test('an independent reader of the Figure 3 wording finds the question and the response', () => {
    const prompt = renderPrompt(loadTemplate(), instruction, response);
    assert.equal(locateQuestion(prompt), instruction);
    assert.equal(locateCorrectResponse(prompt), response);
    // The v1 headings ("### Question", "### Correct Answer") are not the paper's: nothing is found.
    assert.equal(locateCorrectResponse(`### Question\n\`\`\`text\n${instruction}\n\`\`\`\n\n### Correct Answer\n${response}`), undefined);
  });
});
