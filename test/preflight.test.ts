/**
 * The checks `fait run` makes before anything starts: every way a model directory can be unusable
 * gets its own reason, and the quick start's tiny model is made on demand (real Python trainer).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { readSettings } from '../config/settings';
import { fileProblem, makeTinyModel, modelDirProblem } from '../cli/preflight';

describe('checks before a run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fait-preflight-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function modelDir(name: string, files: Record<string, string>): string {
    const target = path.join(dir, name);
    mkdirSync(target, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(target, file), text);
    return target;
  }

  test('each unusable model directory gets its reason; a complete one passes', () => {
    const config = JSON.stringify({ model_type: 'llama' });
    writeFileSync(path.join(dir, 'a-file'), 'x');
    const cases: [string, string | undefined][] = [
      [path.join(dir, 'missing'), 'no such directory'],
      [path.join(dir, 'a-file'), 'is a file'],
      [modelDir('empty', {}), 'no config.json'],
      [modelDir('bad-json', { 'config.json': '{"model_type": ' }), 'config.json cannot be parsed'],
      [modelDir('no-type', { 'config.json': '{}' }), 'config.json has no "model_type"'],
      [modelDir('no-tokenizer', { 'config.json': config, 'model.safetensors': '' }), 'no tokenizer'],
      [modelDir('no-weights', { 'config.json': config, 'tokenizer.json': '{}' }), 'no weights'],
      [modelDir('complete', { 'config.json': config, 'tokenizer_config.json': '{}', 'model.safetensors': '' }), undefined],
    ];
    for (const [target, reason] of cases) {
      const got = modelDirProblem(target);
      if (reason === undefined) assert.equal(got, undefined, target);
      else assert.ok(got?.startsWith(reason), `${target}: ${got}`);
    }
    assert.equal(fileProblem(path.join(dir, 'a-file')), undefined);
    assert.equal(fileProblem(path.join(dir, 'missing')), 'no such file');
    assert.equal(fileProblem(dir), 'is a directory, expected a file');
  });

  test('the quick start’s tiny model is made on demand and passes the check', () => {
    const target = path.join(dir, 'made', 'tiny-model');
    makeTinyModel(target, readSettings());
    assert.equal(modelDirProblem(target), undefined);
  });
});
