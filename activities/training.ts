/**
 * Training stage (fait-gpu): one activity per epoch, so an epoch boundary is a durable step in the
 * history. The activity spawns the Python trainer, heartbeats each JSON progress line with the
 * last checkpoint in the details, turns cancellation into SIGTERM (the trainer checkpoints and
 * exits), and on a retry after a worker crash simply runs the trainer again: it resumes from the
 * latest checkpoint in the run's checkpoint folder by itself.
 *
 * With an S3 artifact store (FAIT_ARTIFACTS), the trainer still reads and writes local paths: its
 * inputs are fetched into a local cache, each checkpoint it reports is uploaded, a worker without
 * the run's newest checkpoint downloads it first, and the final model directory is uploaded and
 * returned as an s3:// URI, so the next epoch or the evaluation can run on another machine.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import type { ArtifactRef, ArtifactStore } from '../artifacts/store';
import type { TrainingConfig } from '../config/schema';
import { projectRoot } from '../config/settings';
import type { Progress } from './progress';

export interface TrainEpochInput {
  experimentId: string;
  epoch: number;
  training: TrainingConfig & { model: string };
  pairs: ArtifactRef[];
  masks: ArtifactRef[];
}

export interface TrainEpochResult {
  epoch: number;
  steps: number;
  /** Step the trainer resumed from, when it did. */
  resumedFrom?: number;
  lastCheckpoint?: string;
  /** The fine-tuned Hugging Face model directory, after the last epoch. */
  outputDir?: string;
  /** W over the epoch's samples with marked tokens; emptySideShare: the share whose W came from an empty side (fait only). */
  weights?: { mean: number; sd: number; min: number; max: number; emptySideShare?: number };
  truncated?: number;
}

interface TrainingProgress extends Progress {
  checkpoint?: string;
  loss?: number;
}

/** One JSON line of the trainer's stdout. */
type TrainerEvent = { event: string; [key: string]: unknown };

export function createTrainingActivities(store: ArtifactStore, stateDir: string, python: string) {
  return {
    async trainEpoch(input: TrainEpochInput): Promise<TrainEpochResult> {
      const ctx = Context.current();
      const runDir = path.join(stateDir, 'runs', input.experimentId);
      const configFile = path.join(runDir, `train-epoch-${input.epoch}.json`);
      mkdirSync(runDir, { recursive: true });

      const previous = ctx.info.heartbeatDetails as TrainingProgress | undefined;
      const progress: TrainingProgress = { phase: 'starting', done: previous?.done ?? 0, total: previous?.total ?? 0, unit: 'steps', checkpoint: previous?.checkpoint };
      const result: TrainEpochResult = { epoch: input.epoch, steps: 0, lastCheckpoint: previous?.checkpoint };
      ctx.heartbeat(progress);

      const checkpointDir = path.join(runDir, 'checkpoints');
      const mirror = store.checkpointMirror(input.experimentId, input.training.keepCheckpoints);
      const inputs = await heartbeating(progress, async () => {
        const restored = await mirror?.restore(checkpointDir);
        if (restored) log.info(`training: downloaded checkpoint ${restored} from ${store.location}`);
        return { pairs: await Promise.all(input.pairs.map((r) => store.localPath(r))), masks: await Promise.all(input.masks.map((r) => store.localPath(r))) };
      });
      writeFileSync(configFile, JSON.stringify(trainerConfig(input, runDir, inputs), null, 2));

      const child = spawn(python, ['-m', 'fait_trainer', input.training.processes > 1 ? 'launch' : 'train', '--config', configFile], {
        cwd: projectRoot,
        env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stderrTail: string[] = [];
      createInterface({ input: child.stderr! }).on('line', (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      });
      let error: TrainerEvent | undefined;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const event = parseEvent(line);
        if (!event) return;
        apply(event, progress, result);
        if (event.event === 'error') error = event;
        if (event.event === 'checkpoint' && typeof event.path === 'string') {
          const name = path.basename(event.path);
          mirror?.schedule(event.path, (err) =>
            err ? log.warn(`training: storing checkpoint ${name} failed: ${err.message}`) : log.info(`training: stored checkpoint ${name} in ${store.location}`),
          );
        }
        if (event.event === 'resumed' || event.event === 'checkpoint' || event.event === 'epoch_end') log.info(`trainer: ${line}`);
        ctx.heartbeat(progress);
      });

      const onCancel = () => child.kill('SIGTERM');
      ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      // Heartbeat on a timer while the trainer lives (model loading and checkpoint writes print
      // nothing for a while): the heartbeat timeout then detects a dead worker, not a quiet trainer.
      const exitCode = await heartbeating(progress, () => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))));
      ctx.cancellationSignal.removeEventListener('abort', onCancel);

      // Store the newest checkpoint (also after a cancellation or a crash: a retry elsewhere resumes from it).
      let storeError: Error | undefined;
      await heartbeating(progress, async () => mirror?.finish(checkpointDir)).catch((err: Error) => (storeError = err));
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`training cancelled; last checkpoint ${progress.checkpoint ?? 'none'}`);
      if (storeError) {
        const message = `storing the newest checkpoint in ${store.location} failed: ${storeError.message}`;
        if (exitCode === 0) throw ApplicationFailure.create({ type: 'CheckpointUploadFailed', message }); // retried
        log.warn(`training: ${message}`);
      }
      if (exitCode === 0) {
        if (result.outputDir) result.outputDir = await heartbeating(progress, () => store.shareDirectory(result.outputDir!));
        return result;
      }
      const message = typeof error?.message === 'string' ? error.message : `the trainer exited with code ${exitCode}: ${stderrTail.slice(-5).join(' | ')}`;
      if (error?.kind === 'bad_input' || error?.kind === 'oom') {
        throw ApplicationFailure.create({ type: error.kind === 'oom' ? 'TrainerOutOfMemory' : 'TrainerBadInput', nonRetryable: true, message });
      }
      // Anything else (a crash, a killed process) is retried; the trainer resumes from its checkpoint.
      throw ApplicationFailure.create({ type: 'TrainerFailed', message });
    },
  };
}

/** Runs `work` (an upload or download) with a heartbeat every few seconds. */
async function heartbeating<T>(progress: TrainingProgress, work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(progress), 2_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The trainer's JSON config (trainer/fait_trainer/config.py) for one epoch; `fait plan` writes it too. */
export function trainerConfig(input: TrainEpochInput, runDir: string, files: { pairs: string[]; masks: string[] }) {
  const t = input.training;
  return {
    model_dir: t.model,
    output_dir: path.join(runDir, 'model'),
    checkpoint_dir: path.join(runDir, 'checkpoints'),
    pairs: files.pairs,
    masks: files.masks,
    mode: t.mode,
    granularity: t.granularity,
    alpha: t.alpha,
    fixed_weight: t.fixedWeight,
    weight_statistic: t.weightStatistic,
    learning_rate: t.learningRate,
    warmup_ratio: t.warmupRatio,
    epochs: t.epochs,
    epoch: input.epoch,
    batch_size: t.batchSize,
    gradient_accumulation: t.gradientAccumulation,
    max_length: t.maxLength,
    seed: t.seed,
    prompt_format: t.promptFormat,
    bf16: t.bf16,
    gradient_checkpointing: t.gradientCheckpointing,
    lora: t.lora && { r: t.lora.r, alpha: t.lora.alpha, dropout: t.lora.dropout, ...(t.lora.targetModules ? { target_modules: t.lora.targetModules } : {}) },
    checkpoint_every_steps: t.checkpointEverySteps,
    checkpoint_every_minutes: t.checkpointEveryMinutes,
    keep_checkpoints: t.keepCheckpoints,
    prefix_reuse: t.prefixReuse,
    max_steps: t.maxSteps ?? null,
    nproc: t.processes,
    parallelism: t.parallelism,
    cpu_offload: t.cpuOffload,
  };
}

function parseEvent(line: string): TrainerEvent | undefined {
  try {
    const value = JSON.parse(line);
    return value && typeof value.event === 'string' ? (value as TrainerEvent) : undefined;
  } catch {
    return undefined;
  }
}

function apply(event: TrainerEvent, progress: TrainingProgress, result: TrainEpochResult): void {
  const num = (key: string) => (typeof event[key] === 'number' ? (event[key] as number) : undefined);
  switch (event.event) {
    case 'resumed':
      result.resumedFrom = num('step');
      progress.done = num('step') ?? progress.done;
      break;
    case 'step':
      progress.phase = 'training';
      progress.done = num('step') ?? progress.done;
      progress.total = num('total_steps') ?? progress.total;
      progress.loss = num('loss');
      result.steps = progress.done;
      break;
    case 'checkpoint':
      progress.checkpoint = typeof event.path === 'string' ? event.path : progress.checkpoint;
      result.lastCheckpoint = progress.checkpoint;
      break;
    case 'epoch_end':
      result.weights = { mean: num('w_mean') ?? 0, sd: num('w_sd') ?? 0, min: num('w_min') ?? 0, max: num('w_max') ?? 0, emptySideShare: num('empty_side_share') };
      result.truncated = num('truncated');
      break;
    case 'done':
      result.outputDir = typeof event.output_dir === 'string' ? event.output_dir : undefined;
      break;
  }
}
