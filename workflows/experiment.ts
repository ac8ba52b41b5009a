/**
 * The experiment DAG: dataset -> teacher -> masks -> training -> evaluation -> report. Training
 * runs when the experiment names a model; evaluation (of the base and the trained model, as child
 * workflows) when it also names benchmarks. Deterministic code only: every side effect is an activity, every activity
 * has explicit timeouts and a retry policy taken from the experiment file's `stages` section.
 */
import {
  ApplicationFailure,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DatasetResult, MaskShardResult, TeacherShardResult, TrainEpochResult } from '../activities';
import type { ArtifactRef } from '../artifacts/store';
import type { ExperimentConfig } from '../config/schema';
import { formatMaskStatistics, maskStatistics } from '../activities/maskStatistics';
import { cpuActivities, gpuActivities, mapWithLimit } from './activities';
import { faitEvaluation, type EvaluationResult } from './evaluation';
import { describeTopReasons, mergeReasonTallies } from '../teacher/rejectReasons';
import { stageKey } from '../temporal/searchAttributes';
import { stageNames, statusQuery, type ExperimentStatus, type StageName } from './status';

export interface ExperimentInput {
  experimentId: string;
  /** Validated and with absolute paths; holds names of secrets, never their values. */
  config: ExperimentConfig;
  configSha256: string;
}

export interface ExperimentResult {
  experimentId: string;
  dataset: DatasetResult;
  /** One result per dataset shard. */
  teacher?: TeacherShardResult[];
  /** One result per pairs shard; absent when there were no pairs. */
  masks?: MaskShardResult[];
  /** One result per epoch; absent when no model was named. */
  training?: TrainEpochResult[];
  /** The base and the trained model on the configured benchmarks. */
  evaluation?: { base: EvaluationResult; trained: EvaluationResult };
  report: ArtifactRef;
  /** The final status, so a closed run can be shown without replaying it. */
  status: ExperimentStatus;
}

export async function faitExperiment(input: ExperimentInput): Promise<ExperimentResult> {
  const { config } = input;
  const status: ExperimentStatus = {
    experimentId: input.experimentId,
    name: config.name,
    state: 'running',
    stage: stageNames[0],
    stages: Object.fromEntries(stageNames.map((name) => [name, { state: 'pending' }])) as ExperimentStatus['stages'],
  };
  setHandler(statusQuery, () => status);

  // Runs recorded before the teacher stage existed have no teacher kind; they replay unchanged.
  const teaching = config.teacher.kind !== undefined;
  if (teaching) {
    // Fail in seconds, not after the dataset stage, when the teacher cannot work at all.
    await cpuActivities(config.stages.teacher).checkTeacher({ teacher: config.teacher });
  }

  const dataset = await runStage(status, 'dataset', () =>
    cpuActivities(config.stages.dataset).prepareDataset({ experimentId: input.experimentId, dataset: config.dataset }),
  );
  const { kept, invalid, duplicates } = dataset.counts;
  status.stages.dataset.summary = `${kept} records in ${dataset.shards.length} shards; ${invalid} invalid, ${duplicates} duplicates skipped`;

  let teacher: TeacherShardResult[] | undefined;
  if (teaching) {
    const { teacherShard } = cpuActivities(config.stages.teacher);
    const progress = { phase: 'teaching', done: 0, total: dataset.shards.length, unit: 'shards' };
    status.stages.teacher.progress = progress;
    teacher = await runStage(status, 'teacher', async () => {
      const results = await mapWithLimit(dataset.shards, config.teacher.parallelShards, async (shard) => {
        const result = await teacherShard({ shard, teacher: config.teacher, sandbox: config.sandbox });
        progress.done += 1;
        return result;
      });
      status.stages.teacher.summary = summariseTeacher(results);
      // Histories recorded before this check replay without it.
      if (patched('teacher-max-reject-ratio')) failOnRejectRatio(results, config.teacher.maxRejectRatio ?? 0.5);
      return results;
    });
  } else {
    status.stages.teacher = { state: 'skipped', summary: 'no teacher configured' };
  }

  const pairShards = teacher ? teacher.map((t) => t.pairs).filter((p) => p.count > 0) : dataset.pairs > 0 ? dataset.shards : [];
  let masks: MaskShardResult[] | undefined;
  if (pairShards.length > 0) {
    const { maskShard } = cpuActivities(config.stages.masks);
    const progress = { phase: 'masking', done: 0, total: pairShards.length, unit: 'shards' };
    status.stages.masks.progress = progress;
    masks = await runStage(status, 'masks', () =>
      mapWithLimit(pairShards, config.masks.parallelShards, async (shard) => {
        const result = await maskShard({ shard, masks: config.masks });
        progress.done += 1;
        return result;
      }),
    );
    status.stages.masks.summary = summariseMasks(masks);
  } else {
    status.stages.masks = { state: 'skipped', summary: 'no pairs to mask' };
  }

  let training: TrainEpochResult[] | undefined;
  const model = config.training?.model;
  if (model !== undefined && masks) {
    const { trainEpoch } = gpuActivities(config.stages.training);
    const progress = { phase: 'training', done: 0, total: config.training.epochs, unit: 'epochs' };
    status.stages.training.progress = progress;
    training = await runStage(status, 'training', async () => {
      const epochs: TrainEpochResult[] = [];
      // One activity per epoch: each epoch boundary is a durable step of the history.
      for (let epoch = 0; epoch < config.training.epochs; epoch += 1) {
        epochs.push(
          await trainEpoch({
            experimentId: input.experimentId,
            epoch,
            training: { ...config.training, model },
            pairs: masks!.map((m) => m.pairs),
            masks: masks!.map((m) => m.masks),
          }),
        );
        progress.done += 1;
      }
      return epochs;
    });
    const last = training[training.length - 1];
    status.stages.training.summary = `${last.steps} steps; model in ${last.outputDir ?? '?'}`;
  } else {
    status.stages.training = { state: 'skipped', summary: model === undefined ? 'no model named (training.model)' : 'no pairs to train on' };
  }

  let evaluation: ExperimentResult['evaluation'];
  const trainedModel = training?.[training.length - 1]?.outputDir;
  if (model !== undefined && trainedModel && config.evaluation?.benchmarks.length) {
    const evaluate = (which: 'base' | 'trained', dir: string) =>
      executeChild(faitEvaluation, {
        workflowId: `${input.experimentId}-eval-${which}`,
        args: [
          {
            runId: `${input.experimentId}-eval-${which}`,
            benchmarks: config.evaluation.benchmarks,
            model: dir,
            generation: {
              batchSize: config.training.batchSize,
              maxNewTokens: config.evaluation.maxNewTokens,
              bigcodebenchMaxNewTokens: config.evaluation.bigcodebenchMaxNewTokens,
              promptFormat: config.training.promptFormat,
              limit: config.evaluation.limit,
            },
            sandbox: config.sandbox,
            excludeMissingLibraries: config.evaluation.excludeMissingLibraries,
            batchSize: config.evaluation.batchSize,
            parallelBatches: 2,
            stages: { generation: config.stages.evaluation, evaluation: config.stages.evaluation },
          },
        ],
      });
    evaluation = await runStage(status, 'evaluation', async () => {
      const [base, trained] = await Promise.all([evaluate('base', model), evaluate('trained', trainedModel)]);
      return { base, trained };
    });
    status.stages.evaluation.summary = summariseEvaluation(evaluation);
  } else {
    status.stages.evaluation = { state: 'skipped', summary: 'no benchmarks configured (evaluation.benchmarks) or no trained model' };
  }

  const report = await runStage(status, 'report', () =>
    cpuActivities(config.stages.report).writeReport({
      experimentId: input.experimentId,
      configSha256: input.configSha256,
      config,
      dataset,
      teacher,
      masks,
      training,
      evaluation,
    }),
  );
  status.state = 'completed';
  upsertSearchAttributes([{ key: stageKey, value: 'completed' }]);
  return { experimentId: input.experimentId, dataset, teacher, masks, training, evaluation, report, status };
}

function summariseEvaluation({ base, trained }: { base: EvaluationResult; trained: EvaluationResult }): string {
  const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
  return trained.benchmarks
    .map((t, i) => {
      const b = base.benchmarks[i];
      const plus = t.score.plus ? `, plus ${pct(b.score.plus?.['pass@1'])} -> ${pct(t.score.plus['pass@1'])}` : '';
      const subset = t.score.excludedMissingLibraries ? ' (missing-library samples left out of pass@1)' : '';
      return `${t.benchmark} pass@1 ${pct(b.score.base['pass@1'])} -> ${pct(t.score.base['pass@1'])}${plus}${subset}`;
    })
    .join('; ');
}

function summariseTeacher(results: TeacherShardResult[]): string {
  const total = (pick: (c: TeacherShardResult['counts']) => number) => results.reduce((n, r) => n + pick(r.counts), 0);
  const asked = total((c) => c.calls) + total((c) => c.cached) > 0 ? `; ${total((c) => c.calls)} requests, ${total((c) => c.cached)} cached answers` : '';
  const reasons = describeTopReasons(mergeReasonTallies(results.map((r) => r.rejectReasons)));
  return `${total((c) => c.pairs)} pairs (${total((c) => c.fromDataset)} from the dataset), ${total((c) => c.rejected)} rejected${asked}${reasons ? `; top reject reasons: ${reasons}` : ''}`;
}

/** A teacher stage that produced (almost) nothing fails the run, with the counts and why. */
function failOnRejectRatio(results: TeacherShardResult[], maxRejectRatio: number): void {
  const records = results.reduce((n, r) => n + r.counts.records, 0);
  const rejected = results.reduce((n, r) => n + r.counts.rejected, 0);
  if (records === 0 || rejected / records <= maxRejectRatio) return;
  const pairs = results.reduce((n, r) => n + r.counts.pairs, 0);
  const withRejects = results.filter((r) => r.counts.rejected > 0).map((r) => r.rejects.uri);
  const more = withRejects.length > 1 ? ` and ${withRejects.length - 1} more shard${withRejects.length > 2 ? 's' : ''}` : '';
  throw ApplicationFailure.create({
    type: 'TeacherRejectedTooMany',
    nonRetryable: true,
    message:
      `the teacher rejected ${rejected} of ${records} records (${((100 * rejected) / records).toFixed(1)}%), more than teacher.maxRejectRatio ${maxRejectRatio} allows; ${pairs} pairs. ` +
      `Most frequent reasons: ${describeTopReasons(mergeReasonTallies(results.map((r) => r.rejectReasons)))}. Every reject with its reasons: ${withRejects[0]}${more}`,
  });
}

function summariseMasks(results: MaskShardResult[]): string {
  return formatMaskStatistics(maskStatistics(results));
}

/** Runs one stage, keeping the status query and the FaitStage search attribute in step with it. */
async function runStage<T>(status: ExperimentStatus, name: StageName, body: () => Promise<T>): Promise<T> {
  const stage = status.stages[name];
  status.stage = name;
  stage.state = 'running';
  stage.startedAt = new Date().toISOString();
  upsertSearchAttributes([{ key: stageKey, value: name }]);
  try {
    const result = await body();
    stage.state = 'completed';
    return result;
  } catch (err) {
    const cancelled = isCancellation(err);
    stage.state = cancelled ? 'cancelled' : 'failed';
    status.state = stage.state;
    status.lastError = cancelled ? `cancelled during ${name}` : rootMessage(err);
    upsertSearchAttributes([{ key: stageKey, value: stage.state }]);
    if (cancelled) throw err;
    // Surface the activity's own message (it names the file, line or key) as the run's failure.
    // The final status rides along as details, so `fait status` can show it without a worker.
    throw ApplicationFailure.create({
      type: 'StageFailed',
      message: `${name} stage failed: ${status.lastError}`,
      cause: err as Error,
      nonRetryable: true,
      details: [status],
    });
  } finally {
    stage.endedAt = new Date().toISOString();
  }
}

function rootMessage(err: unknown): string {
  let current = err as { message?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current?.message ?? String(err);
}
