/**
 * Workers inside a command's own process, for the embedded defaults: `auto` starts them when no
 * other worker polls fait-cpu, so a single command runs a whole experiment on one machine.
 */
import type { Settings } from '../config/settings';
import { openWorkerConnection, type Temporal } from '../temporal/connect';
import { taskQueues } from '../temporal/queues';
import { createWorkers, runWorkers } from '../workers/create';
import { installWorkerLogging } from '../workers/logging';

export type WorkerMode = 'auto' | 'yes' | 'no';

export async function withInProcessWorkers<T>(temporal: Temporal, settings: Settings, mode: WorkerMode, body: () => Promise<T>): Promise<T> {
  const inProcess = mode === 'yes' || (mode === 'auto' && !(await someWorkerPolls(temporal)));
  if (!inProcess) return body();
  installWorkerLogging(settings.stateDir, { stderr: true, level: 'WARN' });
  const workers = await createWorkers({ connection: await openWorkerConnection(settings, temporal.address), settings, queues: ['cpu', 'gpu'] });
  const running = runWorkers(workers);
  try {
    return await body();
  } finally {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  }
}

async function someWorkerPolls(temporal: Temporal): Promise<boolean> {
  const response = await temporal.client.workflowService.describeTaskQueue({
    namespace: temporal.namespace,
    taskQueue: { name: taskQueues.cpu },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (response.pollers ?? []).length > 0;
}
