// Recomputes every pair of test/fixtures/masks-golden.jsonl and compares with "expected", so that
// any change of the masks (definition, tie-break, offsets) is caught. The Python token-mapping
// tests use the same fixture. Regenerate deliberately with generateGolden.ts --write.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { maskPair, PairMask, Segments } from '../../masks';
import { buildGoldenCases, GOLDEN_PATH } from './generateGolden';

interface GoldenRecord {
  id: string;
  correct: string;
  incorrect: string;
  segments: Segments;
  expected: PairMask;
}

const records: GoldenRecord[] = readFileSync(GOLDEN_PATH, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as GoldenRecord);

describe('golden masks fixture', () => {
  it('has at least 200 pairs covering the required kinds of text', () => {
    assert.ok(records.length >= 200, `only ${records.length} pairs`);
    const has = (p: (r: GoldenRecord) => boolean) => records.some(p);
    assert.ok(has((r) => /[\u{1F300}-\u{1FAFF}]/u.test(r.correct + r.incorrect)), 'emoji');
    assert.ok(has((r) => /[^\x00-\x7f]/.test(r.correct) && !/[\u{10000}-\u{10FFFF}]/u.test(r.correct)), 'non-ASCII BMP');
    assert.ok(has((r) => r.correct.includes('\r\n') || r.incorrect.includes('\r\n')), 'CRLF');
    assert.ok(has((r) => r.correct === '' && r.incorrect === ''), 'both empty');
    assert.ok(has((r) => r.correct === '' && r.incorrect !== ''), 'empty correct');
    assert.ok(has((r) => r.incorrect === '' && r.correct !== ''), 'empty incorrect');
    assert.ok(has((r) => r.segments === 'code'), "segments 'code'");
    assert.ok(has((r) => r.expected.stats.normalizedEditDistance > 0.5), 'completely different');
    assert.ok(records.filter((r) => r.expected.stats.linesCorrect >= 5).length >= 100, 'multi-line programs');
    assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'unique ids');
    // The Python side adds the expected token vectors of the tokenizer trained in its tests.
    for (const r of records) {
      const tokens = (r as unknown as { tokens: { correct: number[]; incorrect: number[] } }).tokens;
      assert.ok(Array.isArray(tokens.correct) && Array.isArray(tokens.incorrect), `${r.id} has token vectors`);
    }
  });

  it('recomputes every pair exactly', () => {
    const failures: string[] = [];
    for (const r of records) {
      const got = maskPair(r.correct, r.incorrect, { segments: r.segments });
      try {
        assert.deepEqual(got, r.expected);
      } catch {
        failures.push(r.id);
      }
    }
    assert.deepEqual(failures, [], `masks changed for ${failures.length} golden pairs`);
  });

  it('still matches the generator inputs (regenerate with --write after changing them)', () => {
    const gen = buildGoldenCases();
    assert.deepEqual(
      gen.map((c) => [c.id, c.correct, c.incorrect, c.segments]),
      records.map((r) => [r.id, r.correct, r.incorrect, r.segments]),
    );
  });
});
