/**
 * Report stage (fait-cpu): one JSON artifact per run that lists the config, every stage's artifact
 * references and counts, so a run can be audited (and its inputs re-verified) long after it ended.
 */
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import type { ArtifactRef, ArtifactStore } from '../artifacts/store';
import type { ExperimentConfig } from '../config/schema';
import type { DatasetResult } from './dataset';
import { maskStatistics } from './maskStatistics';
import type { MaskShardResult } from './masks';
import type { TeacherShardResult } from './teacher';
import type { TrainEpochResult } from './training';
import type { EvaluationResult } from '../workflows/evaluation';

export interface ReportInput {
  experimentId: string;
  configSha256: string;
  config: ExperimentConfig;
  dataset: DatasetResult;
  teacher?: TeacherShardResult[];
  masks?: MaskShardResult[];
  training?: TrainEpochResult[];
  evaluation?: { base: EvaluationResult; trained: EvaluationResult };
}

export function createReportActivities(store: ArtifactStore) {
  return {
    async writeReport(input: ReportInput): Promise<ArtifactRef> {
      const { info } = Context.current();
      return await store.putJson({
        experimentId: input.experimentId,
        workflowRunId: info.workflowExecution?.runId,
        writtenAt: new Date().toISOString(),
        writtenBy: hostname(),
        config: input.config,
        configSha256: input.configSha256,
        // Over all masks shards: pair counts, means, and the pairs with a side without marks.
        maskStatistics: input.masks ? maskStatistics(input.masks) : undefined,
        stages: { dataset: input.dataset, teacher: input.teacher, masks: input.masks, training: input.training, evaluation: input.evaluation },
      });
    },
  };
}
