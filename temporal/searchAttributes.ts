/**
 * Custom search attributes, so `fait list` and the Web UI can filter runs by experiment name and
 * current stage. The embedded server registers them at start; ensureSearchAttributes registers them
 * on an external cluster.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const experimentNameKey = defineSearchAttributeKey('FaitExperiment', SearchAttributeType.KEYWORD);
export const stageKey = defineSearchAttributeKey('FaitStage', SearchAttributeType.KEYWORD);

export const searchAttributeDefinitions = [experimentNameKey, stageKey].map((key) => ({ name: key.name, type: 'Keyword' as const }));
