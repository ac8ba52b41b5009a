/**
 * Activity proxies of the two task queues with a stage's timeouts and retry policy, and bounded
 * fan-out over shards or batches. Deterministic: no I/O here.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions, Duration } from '@temporalio/common';
import type { CpuActivities, GpuActivities } from '../activities';
import type { StageOptions } from '../config/schema';
import { taskQueues } from '../temporal/queues';

export function cpuActivities(options: StageOptions) {
  return proxyActivities<CpuActivities>(activityOptions(taskQueues.cpu, options));
}

export function gpuActivities(options: StageOptions) {
  return proxyActivities<GpuActivities>(activityOptions(taskQueues.gpu, options));
}

/** The schema has already checked that each duration string is one Temporal accepts. */
export function activityOptions(taskQueue: string, options: StageOptions): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: options.startToCloseTimeout as Duration,
    heartbeatTimeout: options.heartbeatTimeout as Duration,
    retry: {
      maximumAttempts: options.maximumAttempts,
      initialInterval: options.initialInterval as Duration,
      maximumInterval: options.maximumInterval as Duration,
      backoffCoefficient: options.backoffCoefficient,
    },
  };
}

export /** Runs `body` over `items` with at most `limit` in flight, keeping the results in order. */
async function mapWithLimit<T, R>(items: T[], limit: number, body: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await body(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
