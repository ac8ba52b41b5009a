/**
 * Workers for the two task queues. fait-cpu runs the workflow tasks and the CPU activities;
 * fait-gpu runs training and generation. Run them in one process for development, or as many
 * separate processes (and machines) as the work needs: each polls its queue independently.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createCpuActivities, createGpuActivities } from '../activities';
import { openArtifactStore } from '../artifacts/open';
import type { Settings } from '../config/settings';
import { taskQueues, type QueueName } from '../temporal/queues';

export interface WorkerOptions {
  connection: NativeConnection;
  settings: Settings;
  queues: QueueName[];
  /** Poller identity (default `pid@host`); in-process workers mark theirs (cli/inProcessWorkers.ts). */
  identity?: string;
}

/**
 * Heartbeats reach the server at most every 2 s, whatever the heartbeat timeout (the SDK's default
 * throttle is 0.8 x the timeout, so with a 10-minute timeout `fait status` froze and a cancellation
 * reached the trainer only at the next flushed heartbeat). One small RPC per activity per 2 s.
 */
const heartbeatThrottle = { maxHeartbeatThrottleInterval: '2s', defaultHeartbeatThrottleInterval: '2s' } as const;

export async function createWorkers({ connection, settings, queues, identity }: WorkerOptions): Promise<Worker[]> {
  const store = openArtifactStore(settings);
  const workers: Worker[] = [];
  if (queues.includes('cpu')) {
    workers.push(
      await Worker.create({
        connection,
        namespace: settings.namespace,
        ...(identity ? { identity } : {}),
        taskQueue: taskQueues.cpu,
        workflowsPath: require.resolve('../workflows'),
        activities: createCpuActivities(store, settings.stateDir, settings.python),
        maxConcurrentActivityTaskExecutions: settings.concurrency.cpu,
        ...heartbeatThrottle,
      }),
    );
  }
  if (queues.includes('gpu')) {
    workers.push(
      await Worker.create({
        connection,
        namespace: settings.namespace,
        ...(identity ? { identity } : {}),
        taskQueue: taskQueues.gpu,
        activities: createGpuActivities(store, settings.stateDir, settings.python),
        maxConcurrentActivityTaskExecutions: settings.concurrency.gpu,
        ...heartbeatThrottle,
      }),
    );
  }
  return workers;
}

/** Runs the workers until one fails or all are shut down (SIGINT/SIGTERM shut them down). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  }
}
