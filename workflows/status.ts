/** What `fait status` asks a running experiment: one query, answered from workflow state. */
import { defineQuery } from '@temporalio/workflow';

export const stageNames = ['dataset', 'teacher', 'masks', 'training', 'evaluation', 'report'] as const;
export type StageName = (typeof stageNames)[number];

export type StageState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export interface StageStatus {
  state: StageState;
  startedAt?: string;
  endedAt?: string;
  /** Short human summary once the stage completed, e.g. "1000 kept, 3 duplicates". */
  summary?: string;
  /** Progress the workflow itself counts, for stages made of many activities (shards done). */
  progress?: { phase: string; done: number; total: number; unit: string };
}

export interface ExperimentStatus {
  experimentId: string;
  name: string;
  state: 'running' | 'completed' | 'failed' | 'cancelled';
  stage: StageName;
  stages: Record<StageName, StageStatus>;
  lastError?: string;
}

export const statusQuery = defineQuery<ExperimentStatus>('status');
