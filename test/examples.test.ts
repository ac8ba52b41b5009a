/** The bundled example tasks: 100 records, each correct response passes its own tests. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../config/settings';
import { parseDatasetFile } from '../dataset/parse';
import { validateItems } from '../dataset/validate';
import { datasetSchema } from '../config/schema';

const file = path.join(projectRoot, 'examples', 'python-tasks.jsonl');

test('the example tasks are 100 valid records in the fait layout, with tests', () => {
  const result = validateItems(parseDatasetFile(readFileSync(file), file), datasetSchema.parse({ path: file }));
  assert.deepEqual(result.counts, { items: 100, kept: 100, invalid: 0, duplicates: 0 });
  assert.deepEqual(result.layouts, { fait: 100 });
  assert.ok(result.records.every((r) => r.tests && r.entryPoint && /```python\n/.test(r.response)));
});

test('every example response passes its tests (examples/check_tasks.py)', async () => {
  const { stdout } = await promisify(execFile)('python3', [path.join(projectRoot, 'examples', 'check_tasks.py'), file], { timeout: 300_000 });
  assert.match(stdout, /^100 passed, 0 failed$/m);
});
