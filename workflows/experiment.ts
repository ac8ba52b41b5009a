/**
 * The experiment DAG: dataset -> report. Teacher, masks, training and evaluation slot in between as
 * their activities land. Deterministic code only: every side effect is an activity, every activity
 * has explicit timeouts and a retry policy taken from the experiment file's `stages` section.
 */
import {
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { CpuActivities, DatasetResult } from '../activities';
import type { ArtifactRef } from '../artifacts/store';
import type { ExperimentConfig, StageOptions } from '../config/schema';
import { taskQueues } from '../temporal/queues';
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

  const dataset = await runStage(status, 'dataset', () =>
    cpuActivities(config.stages.dataset).prepareDataset({ experimentId: input.experimentId, dataset: config.dataset }),
  );
  const { kept, invalid, duplicates } = dataset.counts;
  status.stages.dataset.summary = `${kept} records in ${dataset.shards.length} shards; ${invalid} invalid, ${duplicates} duplicates skipped`;

  const report = await runStage(status, 'report', () =>
    cpuActivities(config.stages.report).writeReport({
      experimentId: input.experimentId,
      configSha256: input.configSha256,
      config,
      dataset,
    }),
  );
  status.state = 'completed';
  upsertSearchAttributes([{ key: stageKey, value: 'completed' }]);
  return { experimentId: input.experimentId, dataset, report, status };
}

/** The schema has already checked that each duration string is one Temporal accepts. */
function cpuActivities(options: StageOptions) {
  return proxyActivities<CpuActivities>({
    taskQueue: taskQueues.cpu,
    startToCloseTimeout: options.startToCloseTimeout as Duration,
    heartbeatTimeout: options.heartbeatTimeout as Duration,
    retry: {
      maximumAttempts: options.maximumAttempts,
      initialInterval: options.initialInterval as Duration,
      maximumInterval: options.maximumInterval as Duration,
      backoffCoefficient: options.backoffCoefficient,
    },
  });
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
