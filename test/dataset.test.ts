/**
 * Dataset parsing and validation: each layout's field mapping, and each kind of bad input gives an
 * error naming file, line and field, while the other records go through.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { datasetSchema } from '../config/schema';
import { DatasetFileError, parseDatasetFile } from '../dataset/parse';
import { validateItems } from '../dataset/validate';

const defaults = datasetSchema.parse({ path: 'x' });

function validate(text: string | Buffer, name = 'data.jsonl', options: Partial<typeof defaults> = {}) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return validateItems(parseDatasetFile(bytes, name), { ...defaults, ...options });
}

const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('dataset layouts', () => {
  test('evol-codealpaca, OSS-Instruct, Alpaca, chat and fait records are mapped by auto', () => {
    const result = validate(
      jsonl(
        { instruction: 'a', output: 'A' },
        { problem: 'b', solution: 'B' },
        { instruction: 'c', input: 'context', output: 'C' },
        { messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'd' }, { role: 'assistant', content: 'D' }] },
        { id: 'mine', instruction: 'e', response: 'E', tests: ['assert f(1) == 2', 'assert f(0) == 1'] },
      ),
    );
    assert.deepEqual(result.rejects, []);
    assert.deepEqual(
      result.records.map((r) => [r.id, r.instruction, r.response, r.tests]),
      [
        ['line-1', 'a', 'A', undefined],
        ['line-2', 'b', 'B', undefined],
        ['line-3', 'c\n\ncontext', 'C', undefined],
        ['line-4', 'd', 'D', undefined],
        ['mine', 'e', 'E', 'assert f(1) == 2\nassert f(0) == 1'],
      ],
    );
    assert.deepEqual(result.layouts, { 'evol-codealpaca': 1, 'oss-instruct': 1, alpaca: 1, chat: 1, fait: 1 });
  });

  test('a custom field mapping reads the configured keys', () => {
    const result = validate(jsonl({ q: 'question', a: 'answer', uid: 7 }), 'x.jsonl', {
      format: 'custom',
      fields: { instruction: 'q', response: 'a', id: 'uid' },
    });
    assert.deepEqual(result.records.map((r) => [r.id, r.instruction, r.response]), [['7', 'question', 'answer']]);
  });

  test('a JSON array file is read record by record', () => {
    const result = validate(JSON.stringify([{ instruction: 'a', output: 'A' }, { instruction: 'b' }]), 'data.json');
    assert.equal(result.records.length, 1);
    assert.match(result.rejects[0].reason, /^data\.json:1 \(record 2\): missing field "output"/);
  });
});

describe('dataset bad input', () => {
  test('a malformed JSONL line names file and line; the other lines are kept', () => {
    const result = validate(jsonl({ instruction: 'a', output: 'A' }, '{"instruction": "b", ', { instruction: 'c', output: 'C' }));
    assert.equal(result.records.length, 2);
    assert.equal(result.rejects.length, 1);
    assert.equal(result.rejects[0].line, 2);
    assert.match(result.rejects[0].reason, /^data\.jsonl:2: malformed JSON: /);
  });

  test('a missing field names the field and the layout that expects it', () => {
    const result = validate(jsonl({ instruction: 'a', output: 'A' }, { instruction: 'b' }));
    assert.deepEqual(result.rejects, [
      { line: 2, field: 'output', kind: 'invalid', reason: 'data.jsonl:2: missing field "output" (expected by the evol-codealpaca layout)' },
    ]);
  });

  test('a field of the wrong type or empty text is rejected with the field named', () => {
    const result = validate(jsonl({ problem: 'p', solution: 42 }, { instruction: '   ', output: 'x' }));
    assert.deepEqual(
      result.rejects.map((r) => [r.line, r.field, r.reason]),
      [
        [1, 'solution', 'data.jsonl:1: field "solution": expected a string, got number 42'],
        [2, 'instruction', 'data.jsonl:2: field "instruction": expected non-empty text, got an empty string'],
      ],
    );
  });

  test('an empty file is an error naming the file', () => {
    assert.throws(() => validate('', 'empty.jsonl'), (err: Error) => err instanceof DatasetFileError && /^empty\.jsonl: the file is empty/.test(err.message));
    assert.throws(() => validate('\n  \n', 'blank.jsonl'), /blank\.jsonl: the file is empty/);
    assert.throws(() => validate('', 'empty.json'), /empty\.json: the file is empty \(expected a JSON array/);
  });

  test('non-UTF-8 bytes are reported at their line instead of being replaced', () => {
    const good = Buffer.from(jsonl({ instruction: 'a', output: 'A' }));
    const bad = Buffer.concat([Buffer.from('{"instruction": "caf'), Buffer.from([0xe9]), Buffer.from('", "output": "x"}\n')]);
    const result = validate(Buffer.concat([good, bad, good]), 'latin1.jsonl');
    assert.deepEqual(result.counts, { items: 3, kept: 1, invalid: 1, duplicates: 1 });
    assert.equal(result.rejects[0].line, 2);
    assert.match(result.rejects[0].reason, /^latin1\.jsonl:2: not valid UTF-8/);
    assert.throws(() => validate(Buffer.concat([Buffer.from('[{"instruction": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]), 'x.json'), /x\.json:1: not valid UTF-8/);
  });

  test('a malformed record in a JSON array file is reported at its line; the others are kept', () => {
    const result = validate('[\n {"instruction": "a, [b]", "output": "A\\"}"},\n {"instruction": }, \n\n {"instruction": "c", "output": "C"}\n]\n', 'arr.json');
    assert.deepEqual(result.records.map((r) => [r.line, r.instruction]), [[2, 'a, [b]'], [5, 'c']]);
    assert.match(result.rejects[0].reason, /^arr\.json:3 \(record 2\): malformed JSON/);
    assert.throws(() => validate('[{"instruction": "a", "output": "A"}', 'open.json'), /open\.json:1: the JSON array is not closed/);
    assert.throws(() => validate('{"instruction": "a"}', 'obj.json'), /obj\.json: expected a JSON array/);
  });

  test('duplicate content and duplicate ids are listed with the record they repeat', () => {
    const result = validate(jsonl({ id: 'x', instruction: 'a', response: 'A' }, { id: 'y', instruction: ' a', response: 'A\n' }, { id: 'x', instruction: 'b', response: 'B' }));
    assert.deepEqual(
      result.rejects.map((r) => [r.line, r.kind, r.reason]),
      [
        [2, 'duplicate', 'data.jsonl:2: same instruction and response as "x" (line 1)'],
        [3, 'invalid', 'data.jsonl:3: id "x" already used on line 1'],
      ],
    );
  });

  test('over-long texts, multi-turn chats and unknown layouts are rejected with reasons', () => {
    const result = validate(
      jsonl(
        { instruction: 'a'.repeat(11), output: 'A' },
        { messages: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2' }] },
        { question: 'q', answer: 'a' },
        [1, 2],
      ),
      'data.jsonl',
      { maxChars: 10 },
    );
    assert.deepEqual(
      result.rejects.map((r) => r.reason),
      [
        'data.jsonl:1: field "instruction": 11 characters, over the limit of 10 (dataset.maxChars)',
        'data.jsonl:2: expected exactly one user and one assistant message, found 2 user and 2 assistant',
        'data.jsonl:3: no known layout: expected instruction/response (fait), instruction/output (evol-codealpaca), instruction/input/output (alpaca), problem/solution (oss-instruct) or messages (chat); found keys: question, answer',
        'data.jsonl:4: expected a JSON object, got an array',
      ],
    );
  });

  test('limit keeps only the first records', () => {
    const result = validate(jsonl({ instruction: 'a', output: 'A' }, { instruction: 'b', output: 'B' }, { instruction: 'c', output: 'C' }), 'd.jsonl', { limit: 2 });
    assert.deepEqual(result.records.map((r) => r.instruction), ['a', 'b']);
  });
});
