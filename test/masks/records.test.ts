import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMaskLine, maskJsonLine, maskPair, maskRecord, maskRecords } from '../../masks';

describe('maskRecord / maskRecords', () => {
  it('masks a valid record and keeps its id', () => {
    const r = maskRecord({ id: 'p1', correct: 'x = 1\n', incorrect: 'x = 2\n' });
    assert.ok(r.ok);
    const expected = maskPair('x = 1\n', 'x = 2\n');
    assert.deepEqual(r.value, { id: 'p1', ...expected });
    assert.deepEqual(JSON.parse(formatMaskLine(r.value)), { id: 'p1', ...expected });
    assert.deepEqual(Object.keys(r.value), ['id', 'correct', 'incorrect', 'stats']);
  });

  it('accepts numeric ids, per-record and default segments', () => {
    const text = 'Fix:\n```\nx = 1\n```\n';
    const bad = 'Fox:\n```\nx = 2\n```\n';
    const a = maskRecord({ id: 7, correct: text, incorrect: bad, segments: 'code' });
    assert.ok(a.ok && a.value.id === 7);
    assert.deepEqual(a.ok && a.value.correct, maskPair(text, bad, { segments: 'code' }).correct);
    const b = maskRecord({ id: 7, correct: text, incorrect: bad }, { segments: 'code' });
    assert.deepEqual(b.ok && b.value.correct, maskPair(text, bad, { segments: 'code' }).correct);
  });

  it('reports missing, non-string and too-long fields without throwing', () => {
    const cases: [unknown, { field?: string; id?: string | number; reason: RegExp }][] = [
      [null, { reason: /JSON object.*got null/ }],
      [[1, 2], { reason: /got an array/ }],
      ['text', { reason: /got a string/ }],
      [{ correct: 'a', incorrect: 'b' }, { field: 'id', reason: /missing field "id"/ }],
      [{ id: { x: 1 }, correct: 'a', incorrect: 'b' }, { field: 'id', reason: /"id" must be a string or a finite number, got a object/ }],
      [{ id: 'r', incorrect: 'b' }, { id: 'r', field: 'correct', reason: /missing field "correct" \(expected a string\)/ }],
      [{ id: 'r', correct: 'a' }, { id: 'r', field: 'incorrect', reason: /missing field "incorrect"/ }],
      [{ id: 'r', correct: 5, incorrect: 'b' }, { id: 'r', field: 'correct', reason: /"correct" must be a string, got a number/ }],
      [{ id: 'r', correct: 'a', incorrect: null }, { id: 'r', field: 'incorrect', reason: /must be a string, got null/ }],
      [{ id: 'r', correct: 'a', incorrect: 'b', segments: 'prose' }, { id: 'r', field: 'segments', reason: /"all" or "code", got "prose"/ }],
    ];
    for (const [raw, exp] of cases) {
      const r = maskRecord(raw);
      assert.equal(r.ok, false, JSON.stringify(raw));
      if (r.ok) continue;
      assert.match(r.error.reason, exp.reason);
      assert.equal(r.error.field, exp.field);
      assert.equal(r.error.id, exp.id);
    }
  });

  it('enforces maxChars in code points', () => {
    const emoji = '😀'.repeat(10); // 10 code points, 20 UTF-16 units
    assert.ok(maskRecord({ id: 1, correct: emoji, incorrect: 'x' }, { maxChars: 10 }).ok);
    const r = maskRecord({ id: 1, correct: 'x', incorrect: emoji + 'y' }, { maxChars: 10 });
    assert.ok(!r.ok);
    assert.equal(!r.ok && r.error.field, 'incorrect');
    assert.match(!r.ok ? r.error.reason : '', /too long: 11 code points, the limit \(maxChars\) is 10/);
    const big = maskRecord({ id: 1, correct: 'x'.repeat(100_001), incorrect: '' });
    assert.ok(!big.ok);
    assert.match(!big.ok ? big.error.reason : '', /limit \(maxChars\) is 100000/);
    assert.throws(() => maskRecord({}, { maxChars: -1 }), /maxChars/);
  });

  it('processes a batch of lines and records, collecting rejects with line numbers', () => {
    const inputs: unknown[] = [
      JSON.stringify({ id: 'a', correct: 'x = 1', incorrect: 'x = 2' }),
      '',
      '{not json',
      { id: 'b', correct: 'same', incorrect: 'same' },
      JSON.stringify({ id: 'c', correct: 1, incorrect: 'x' }),
      JSON.stringify([]),
    ];
    const { masks, rejects } = maskRecords(inputs);
    assert.deepEqual(masks.map((m) => m.id), ['a', 'b']);
    assert.equal(rejects.length, 3);
    assert.equal(rejects[0].line, 3);
    assert.match(rejects[0].reason, /invalid JSON/);
    assert.deepEqual({ ...rejects[1], reason: undefined }, { id: 'c', line: 5, field: 'correct', reason: undefined });
    assert.equal(rejects[2].line, 6);
    assert.equal(maskJsonLine('   '), null);
  });
});
