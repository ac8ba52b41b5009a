/**
 * `fait plan <experiment>`: what a run would do and whether training fits the GPUs, without
 * starting anything (no Temporal, no GPU): the stages, record and shard counts (the dataset stage's
 * own parsing and validation), optimizer steps, and the per-GPU memory of training for ddp and fsdp
 * from the trainer's memory plan (`python -m fait_trainer plan`, which reads only config.json).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { trainerConfig } from '../../activities/training';
import { loadExperimentFile } from '../../config/load';
import type { ExperimentConfig } from '../../config/schema';
import { projectRoot, readSettings } from '../../config/settings';
import { DatasetFileError, parseDatasetFile } from '../../dataset/parse';
import { validateItems } from '../../dataset/validate';
import { exitCodes } from '../context';

interface PlanOptions {
  gpus?: string;
  gpuMemory?: string;
  json?: boolean;
}

/** What `python -m fait_trainer plan` prints (trainer/fait_trainer/memory_plan.py `plan`). */
interface MemoryPlan {
  model: { architecture: string; parameters: number; layers: number; hidden: number; vocab: number };
  gpus: { count: number; memory: number; source: string };
  parallelism: 'ddp' | 'fsdp';
  fits: boolean;
  estimates: Record<'ddp' | 'fsdp', { components: Record<string, number>; total: number; trainable: number; fits: boolean; setting: string; peak_phase: string }>;
  alternatives: { set: Record<string, unknown>; total: number }[];
}

class PlanInputError extends Error {}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('print the stages, record/shard counts, optimizer steps and per-GPU training memory of an experiment, without starting anything')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--gpus <n>', 'GPUs to plan for (default: training.processes)')
    .option('--gpu-memory <size>', 'memory per GPU, e.g. 80GB, 40GiB, 81920MiB (GB counts as GiB, as GPU vendors do; default 80GB)')
    .option('--json', 'print the plan as JSON')
    .action((file: string, options: PlanOptions) => {
      try {
        const result = makePlan(file, options);
        if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(formatPlan(result));
        process.exitCode = result.memory && !result.memory.fits ? exitCodes.runFailed : 0;
      } catch (err) {
        if (!(err instanceof PlanInputError)) throw err;
        process.stderr.write(`fait plan: ${err.message}\n`);
        process.exitCode = exitCodes.badInput;
      }
    });
}

function makePlan(file: string, options: PlanOptions) {
  const { config, file: absolute } = loadExperimentFile(file); // ConfigError: exit 2 with file:line:col
  const gpus = options.gpus === undefined ? config.training.processes : Number(options.gpus);
  if (!Number.isInteger(gpus) || gpus < 1) throw new PlanInputError(`--gpus: expected a positive integer, got ${options.gpus}`);
  const gpuMemory = options.gpuMemory ?? '80GB';
  const gpuMemoryNote = options.gpuMemory === undefined ? `${gpuMemory} (default; set --gpu-memory)` : gpuMemory;

  const dataset = countDataset(config);
  const training = config.training;
  const records = config.teacher.kind === 'dataset' ? dataset.withIncorrect : dataset.kept;
  const globalBatch = training.batchSize * training.gradientAccumulation;
  const stepsPerEpoch = Math.ceil(records / globalBatch);
  const steps = training.maxSteps !== undefined ? Math.min(training.maxSteps, stepsPerEpoch * training.epochs) : stepsPerEpoch * training.epochs;
  const stages = [
    'dataset',
    `teacher (${config.teacher.kind})`,
    'masks',
    ...(training.model !== undefined ? ['training'] : []),
    ...(training.model !== undefined && config.evaluation.benchmarks.length > 0 ? [`evaluation (${config.evaluation.benchmarks.join(', ')})`] : []),
    'report',
  ];
  const memory = training.model !== undefined ? memoryPlan(config, gpus, gpuMemory) : undefined;
  return {
    experiment: absolute,
    stages,
    dataset,
    training:
      training.model === undefined
        ? undefined
        : {
            model: training.model,
            pairs: records,
            pairsNote: 'at most: teacher and masks rejects, and prompts that fill maxLength, lower it',
            globalBatch,
            stepsPerEpoch,
            epochs: training.epochs,
            optimizerSteps: steps,
            cappedByMaxSteps: training.maxSteps !== undefined && training.maxSteps < stepsPerEpoch * training.epochs,
          },
    gpuMemoryNote,
    memory,
  };
}

function countDataset(config: ExperimentConfig) {
  const where = `${config.dataset.path} (dataset.path)`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(config.dataset.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PlanInputError(`dataset file ${where} ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, expected a file' : (err as Error).message}`);
  }
  let validated;
  try {
    validated = validateItems(parseDatasetFile(bytes, config.dataset.path), config.dataset);
  } catch (err) {
    if (err instanceof DatasetFileError) throw new PlanInputError(err.message);
    throw err;
  }
  const { invalid } = validated.counts;
  if (invalid > 0 && !config.dataset.skipInvalid) {
    const first = validated.rejects.filter((r) => r.kind === 'invalid').slice(0, 5).map((r) => r.reason);
    throw new PlanInputError(
      `${invalid} invalid record${invalid === 1 ? '' : 's'} in ${where}; the dataset stage would stop:\n  ${first.join('\n  ')}\n` +
        'Fix them, or set dataset.skipInvalid to train on the rest.',
    );
  }
  if (validated.records.length === 0) throw new PlanInputError(`${where}: no usable records`);
  return {
    path: config.dataset.path,
    ...validated.counts,
    shards: Math.ceil(validated.records.length / config.dataset.shardSize),
    shardSize: config.dataset.shardSize,
    withIncorrect: validated.records.filter((r) => r.incorrect !== undefined).length,
  };
}

function memoryPlan(config: ExperimentConfig, gpus: number, gpuMemory: string): MemoryPlan {
  const training = config.training as ExperimentConfig['training'] & { model: string };
  const dir = mkdtempSync(path.join(tmpdir(), 'fait-plan-'));
  try {
    const configFile = path.join(dir, 'train.json');
    writeFileSync(configFile, JSON.stringify(trainerConfig({ experimentId: 'plan', epoch: 0, training, pairs: [], masks: [] }, dir, { pairs: [], masks: [] })));
    const child = spawnSync(readSettings().python, ['-m', 'fait_trainer', 'plan', '--config', configFile, '--gpus', String(gpus), '--gpu-memory', gpuMemory], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, TOKENIZERS_PARALLELISM: 'false' },
      maxBuffer: 16 * 1024 * 1024,
    });
    if (child.error) throw new Error(`cannot run the trainer (${readSettings().python}): ${child.error.message}`);
    const last = child.stdout.trim().split('\n').pop() ?? '';
    let event: { event?: string; kind?: string; message?: string } & Partial<MemoryPlan>;
    try {
      event = JSON.parse(last);
    } catch {
      throw new Error(`the trainer's plan exited with code ${child.status}: ${child.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
    if (event.event === 'error') {
      if (event.kind === 'bad_input') throw new PlanInputError(`training.model ${training.model}: ${event.message}`);
      throw new Error(`the trainer's plan failed: ${event.message}`);
    }
    return event as MemoryPlan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);

function formatPlan(plan: ReturnType<typeof makePlan>): string {
  const lines = [`plan for ${plan.experiment} (nothing was started)`, `stages: ${plan.stages.join(' -> ')}`];
  const d = plan.dataset;
  lines.push(`dataset: ${d.kept} records in ${d.shards} shard${d.shards === 1 ? '' : 's'} of up to ${d.shardSize} (${d.items} read, ${d.invalid} invalid, ${d.duplicates} duplicates) from ${d.path}`);
  const t = plan.training;
  if (!t) {
    lines.push('training: skipped (no training.model); the run ends after the masks stage');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `training: ${t.pairs} pairs (${t.pairsNote}); global batch ${t.globalBatch}; ${t.stepsPerEpoch} steps/epoch x ${t.epochs} epoch${t.epochs === 1 ? '' : 's'}` +
      ` = ${t.optimizerSteps} optimizer steps${t.cappedByMaxSteps ? ' (capped by training.maxSteps)' : ''}`,
  );
  const m = plan.memory!;
  lines.push(`model: ${m.model.architecture} from ${t.model}, ${(m.model.parameters / 1e9).toFixed(2)}B parameters (${m.model.layers} layers, hidden ${m.model.hidden}, vocab ${m.model.vocab})`);
  lines.push(`GPUs: ${m.gpus.count} x ${gib(m.gpus.memory)} GiB (--gpu-memory ${plan.gpuMemoryNote}${m.gpus.count === 1 ? '' : '; --gpus or training.processes'})`);
  lines.push('memory per GPU, GiB          ddp      fsdp');
  const names = Object.keys(m.estimates.ddp.components);
  for (const name of names) {
    const ddp = m.estimates.ddp.components[name];
    const fsdp = m.estimates.fsdp.components[name];
    if (ddp === 0 && fsdp === 0) continue;
    lines.push(`  ${name.replace(/_/g, ' ').padEnd(24)}${gib(ddp).padStart(8)}${gib(fsdp).padStart(10)}`);
  }
  lines.push(`  ${'total'.padEnd(24)}${gib(m.estimates.ddp.total).padStart(8)}${gib(m.estimates.fsdp.total).padStart(10)}`);
  lines.push(`  ${'fits'.padEnd(24)}${(m.estimates.ddp.fits ? 'yes' : 'no').padStart(8)}${(m.estimates.fsdp.fits ? 'yes' : 'no').padStart(10)}`);
  const other = m.parallelism === 'ddp' ? 'fsdp' : 'ddp';
  lines.push(
    `parallelism: ${m.parallelism} (${m.estimates[m.parallelism].setting}); ${m.estimates[m.parallelism].fits ? 'fits' : 'does NOT fit'}` +
      `; ${other} would ${m.estimates[other].fits ? '' : 'not '}fit`,
  );
  if (!m.fits) {
    lines.push(
      m.alternatives.length > 0
        ? `settings that would fit:\n${m.alternatives.map((a) => `  ${Object.entries(a.set).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}  (${gib(a.total)} GiB)`).join('\n')}`
        : 'no combination of fsdp, gradientCheckpointing, a smaller micro-batch, LoRA and cpuOffload fits: use more or larger GPUs',
    );
  }
  return `${lines.join('\n')}\n`;
}
