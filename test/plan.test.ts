/**
 * `fait plan` as a user runs it (the real bin/fait, the real trainer): nothing is started, the
 * paper's 6.7B setting fits 8 x 80 GB with fsdp and not with ddp, and bad input exits 2 naming it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { runFait } from './helpers/cli';
import { writeEvolDataset } from './helpers/experiment';


/** DeepSeek-Coder-6.7B's config.json: only the config, no weights. */
const deepseek67b = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  vocab_size: 32256,
  max_position_embeddings: 16384,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};

const cli = (args: string[]) => runFait(args, process.env, 300_000);

describe('fait plan', () => {
  let dir: string;
  let dataset: string;

  function experiment(name: string, body: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, body);
    return file;
  }

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fait-plan-'));
    mkdirSync(path.join(dir, 'deepseek-6.7b'));
    writeFileSync(path.join(dir, 'deepseek-6.7b', 'config.json'), JSON.stringify(deepseek67b));
    mkdirSync(path.join(dir, 'no-model'));
    dataset = writeEvolDataset(dir, 'data.jsonl', 70);
  });

  test('the 6.7B model on 8 x 80 GB fits with fsdp, and the plan says ddp would not', async () => {
    const file = experiment(
      'paper.yaml',
      `name: paper\ndataset:\n  path: ${path.basename(dataset)}\n  shardSize: 30\ntraining:\n  model: deepseek-6.7b\n  processes: 8\n  batchSize: 8\n  gradientAccumulation: 2\n  epochs: 2\nevaluation:\n  benchmarks: [humaneval+]\n`,
    );
    const text = await cli(['plan', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /nothing was started/);
    assert.match(text.stdout, /stages: dataset -> teacher \(mutation\) -> masks -> training -> evaluation \(humaneval\+\) -> report/);
    assert.match(text.stdout, /dataset: 70 records in 3 shards/);
    // ceil(70 / (8 x 2)) = 5 steps per epoch, 2 epochs
    assert.match(text.stdout, /5 steps\/epoch x 2 epochs = 10 optimizer steps/);
    assert.match(text.stdout, /6\.74B parameters/);
    assert.match(text.stdout, /GPUs: 8 x 80\.0 GiB \(--gpu-memory 80GB \(default/);
    assert.match(text.stdout, /fits\s+no\s+yes/);
    assert.match(text.stdout, /parallelism: fsdp .*; fits; ddp would not fit/);

    const json = await cli(['plan', file, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout);
    assert.equal(plan.memory.parallelism, 'fsdp');
    assert.equal(plan.memory.estimates.fsdp.fits, true);
    assert.equal(plan.memory.estimates.ddp.fits, false);
    assert.equal(plan.memory.model.parameters, 6_740_512_768);
    // ddp keeps float32 weights, gradients and both AdamW moments whole: 16 bytes per parameter.
    const ddp = plan.memory.estimates.ddp.components;
    assert.equal(ddp.parameters + ddp.gradients + ddp.optimizer, 16 * 6_740_512_768);
    assert.equal(plan.training.optimizerSteps, 10);
    assert.equal(plan.dataset.shards, 3);
  });

  test('a setting that does not fit exits 1 and lists settings that would', async () => {
    const file = experiment('ddp.yaml', `name: ddp\ndataset:\n  path: ${path.basename(dataset)}\ntraining:\n  model: deepseek-6.7b\n  processes: 8\n  parallelism: ddp\n`);
    const { code, stdout } = await cli(['plan', file, '--gpu-memory', '80GiB']);
    assert.equal(code, 1);
    assert.match(stdout, /parallelism: ddp .*does NOT fit/);
    assert.match(stdout, /settings that would fit:\n {2}training\.parallelism: "fsdp"/);
  });

  test('without training.model the plan ends after the masks stage', async () => {
    const file = experiment('nomodel.yaml', `name: nomodel\ndataset:\n  path: ${path.basename(dataset)}\n`);
    const { code, stdout } = await cli(['plan', file]);
    assert.equal(code, 0);
    assert.match(stdout, /stages: dataset -> teacher \(mutation\) -> masks -> report/);
    assert.match(stdout, /training: skipped \(no training.model\)/);
  });

  test('bad input exits 2 naming the key or path', async () => {
    const badKey = experiment('badkey.yaml', `name: bad\ndataset:\n  path: ${path.basename(dataset)}\ntraining:\n  parallelism: zero\n`);
    let r = await cli(['plan', badKey]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /badkey\.yaml:5:16: training\.parallelism/);

    const noData = experiment('nodata.yaml', 'name: nodata\ndataset:\n  path: missing.jsonl\n');
    r = await cli(['plan', noData]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.jsonl \(dataset\.path\) does not exist/);

    const noConfig = experiment('noconfig.yaml', `name: noconfig\ndataset:\n  path: ${path.basename(dataset)}\ntraining:\n  model: no-model\n`);
    r = await cli(['plan', noConfig]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /training\.model .*no-model: model directory .* has no config\.json/);

    r = await cli(['plan', noConfig, '--gpus', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--gpus: expected a positive integer/);

    const paper = experiment('paper2.yaml', `name: paper2\ndataset:\n  path: ${path.basename(dataset)}\ntraining:\n  model: deepseek-6.7b\n`);
    r = await cli(['plan', paper, '--gpu-memory', 'lots']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--gpu-memory: expected a size such as 80GB/);
  });
});
