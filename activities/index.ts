/**
 * Activities by task queue. Workflows import only the types (`import type`), so no I/O code ever
 * enters the deterministic workflow bundle.
 */
import type { ArtifactStore } from '../artifacts/store';
import path from 'node:path';
import { createDatasetActivities } from './dataset';
import { createEvaluationCpuActivities, createGenerationActivities } from './evaluation';
import { createMasksActivities } from './masks';
import { createReportActivities } from './report';
import { createTeacherActivities } from './teacher';
import { createTrainingActivities } from './training';

export function createCpuActivities(store: ArtifactStore, stateDir: string, python: string) {
  return {
    ...createDatasetActivities(store),
    ...createTeacherActivities(store, path.join(stateDir, 'teacher-cache')),
    ...createMasksActivities(store),
    ...createEvaluationCpuActivities(store, stateDir, python),
    ...createReportActivities(store),
  };
}
export type CpuActivities = ReturnType<typeof createCpuActivities>;

/** fait-gpu: training and generation. */
export function createGpuActivities(store: ArtifactStore, stateDir: string, python: string) {
  return { ...createTrainingActivities(store, stateDir, python), ...createGenerationActivities(store, stateDir, python) };
}
export type GpuActivities = ReturnType<typeof createGpuActivities>;

export type { DatasetResult, DatasetProgress, PrepareDatasetInput } from './dataset';
export type { MaskShardInput, MaskShardResult } from './masks';
export type { TeacherShardInput, TeacherShardResult } from './teacher';
export type { TrainEpochInput, TrainEpochResult } from './training';
export type { BenchmarkSamples, EndpointSettings, EvaluateBatchInput, GenerationSettings } from './evaluation';
export type { ReportInput } from './report';
