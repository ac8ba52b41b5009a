/**
 * Verified-incorrect mode: with the records' own tests run in the sandbox, every kept variant
 * fails them; a variant that still passes (seed 0 of ex-004 and ex-009 does) is replaced by the
 * next sample instead of becoming a pair.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../config/settings';
import type { TrainingRecord } from '../../dataset/records';
import { teachRecord } from '../../teacher/generate';
import { createMutationSource } from '../../teacher/mutationSource';
import { runRecordTests } from '../../teacher/verify';

const records: TrainingRecord[] = readFileSync(path.join(projectRoot, 'examples', 'python-tasks.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .slice(0, 12)
  .map((line, i) => ({ ...JSON.parse(line), line: i + 1 }));

test('only variants that fail the record’s tests are kept', async () => {
  const source = createMutationSource(0);
  const runTests = (incorrect: string, tests: string) => runRecordTests(incorrect, tests, 'bwrap');
  const options = { maxSamples: 5, validation: { maxDistance: 0.5, dropDistant: false } };
  const plain = await Promise.all(records.map((r) => teachRecord(r, source, options)));
  const verified = await Promise.all(records.map((r) => teachRecord(r, source, { ...options, runTests })));

  for (const [i, result] of verified.entries()) {
    assert.ok('pair' in result, `${records[i].id} got a verified variant`);
    assert.match(result.pair.teacher.verified ?? '', /^fails the record’s tests/);
    assert.equal((await runRecordTests(result.pair.incorrect, records[i].tests!, 'bwrap')).verdict, 'fails');
  }
  // The seed-0 variants of ex-004 and ex-009 pass their tests: verification moved them on.
  for (const id of ['ex-004', 'ex-009']) {
    const i = records.findIndex((r) => r.id === id);
    const p = plain[i];
    assert.ok('pair' in p && p.pair.teacher.sample === 0);
    assert.equal((await runRecordTests(p.pair.incorrect, records[i].tests!, 'bwrap')).verdict, 'passes', `${id}: seed 0 survives the tests`);
    const v = verified[i];
    assert.ok('pair' in v && v.pair.teacher.sample! >= 1, `${id} took a later sample`);
  }
  // The correct responses themselves pass: the check is not failing everything.
  assert.equal((await runRecordTests(records[0].response, records[0].tests!, 'bwrap')).verdict, 'passes');
});
