/** Experiment files: paper defaults, and errors that point at the offending key and line. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadExperimentFile, parseExperimentText } from '../config/load';
import { projectRoot, readSettings } from '../config/settings';

function problems(text: string): string[] {
  try {
    parseExperimentText(text, 'exp.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return assert.fail('expected a ConfigError');
}

describe('experiment config', () => {
  test('defaults are the paper’s hyperparameters', () => {
    const config = parseExperimentText('name: x\ndataset:\n  path: d.jsonl\n', 'exp.yaml');
    assert.deepEqual(
      {
        alpha: config.training.alpha,
        lr: config.training.learningRate,
        schedule: config.training.schedule,
        epochs: config.training.epochs,
        maxLength: config.training.maxLength,
        temperature: config.teacher.temperature,
        mode: config.training.mode,
      },
      { alpha: 2, lr: 5e-6, schedule: 'linear', epochs: 1, maxLength: 1024, temperature: 0.8, mode: 'fait' },
    );
    assert.equal(config.dataset.skipInvalid, false);
    assert.equal(config.stages.dataset.maximumAttempts, 5);
  });

  test('an unknown key is named with its line and column', () => {
    const text = 'name: x\ndataset:\n  path: d.jsonl\n  shardsize: 10\n';
    assert.deepEqual(problems(text), ['exp.yaml:4:3: dataset.shardsize: unknown key']);
  });

  test('a value of the wrong type names the key, its line and what was expected', () => {
    const text = 'name: x\ndataset:\n  path: d.jsonl\ntraining:\n  alpha: "two"\n';
    const [problem] = problems(text);
    assert.match(problem, /^exp\.yaml:5:10: training\.alpha: .*expected number, received string/i);
  });

  test('a missing required key points at the mapping that should hold it', () => {
    const [problem] = problems('name: x\ndataset:\n  format: alpaca\n');
    assert.match(problem, /^exp\.yaml:3:3: dataset\.path: .*expected string, received undefined/i);
  });

  test('bad durations and enum values say what is accepted', () => {
    const text = 'name: x\ndataset:\n  path: d\n  format: sharegpt\nstages:\n  dataset:\n    heartbeatTimeout: soon\n';
    const found = problems(text).join('\n');
    assert.match(found, /exp\.yaml:4:11: dataset\.format: .*"auto".*"chat"/);
    assert.match(found, /exp\.yaml:7:23: stages\.dataset\.heartbeatTimeout: expected a duration/);
  });

  test('format custom without a fields mapping is rejected', () => {
    assert.match(problems('name: x\ndataset:\n  path: d\n  format: custom\n')[0], /dataset\.fields: format "custom" needs a "fields" mapping/);
  });

  test('YAML syntax errors and duplicate keys are reported with their line', () => {
    assert.match(problems('name: x\ndataset:\n  path: [unclosed\n')[0], /^exp\.yaml:\d+:\d+: /);
    assert.match(problems('name: x\nname: y\ndataset:\n  path: d\n')[0], /^exp\.yaml:2:1: .*unique/i);
  });

  test('JSON experiment files work too; relative dataset paths resolve against the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fait-config-'));
    const file = path.join(dir, 'exp.json');
    writeFileSync(file, JSON.stringify({ name: 'j', dataset: { path: 'data/train.jsonl' } }));
    const loaded = loadExperimentFile(file);
    assert.equal(loaded.config.dataset.path, path.join(dir, 'data', 'train.jsonl'));
    assert.match(loaded.sha256, /^[0-9a-f]{64}$/);
  });

  test('the bundled example configs are valid', () => {
    for (const name of ['quickstart.yaml', 'full.yaml']) loadExperimentFile(path.join(projectRoot, 'config', 'examples', name));
  });

  test('settings from the environment are validated by variable name', () => {
    assert.throws(() => readSettings({ FAIT_TEMPORAL_PORT: 'abc' }), /FAIT_TEMPORAL_PORT/);
    const settings = readSettings({ FAIT_STATE_DIR: '/tmp/x', FAIT_TEMPORAL_PORT: '9000' });
    assert.equal(settings.embeddedUiPort, 10000);
    assert.equal(settings.temporalAddress, undefined);
  });
});
