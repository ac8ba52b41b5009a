/**
 * Workers inside a command's own process, for the embedded defaults: `auto` starts them for each
 * task queue that no live `fait worker` polls, so a single command runs a whole experiment on one
 * machine.
 *
 * Which pollers are live: the server keeps listing a stopped worker as a poller for minutes, so
 * its list alone would make `auto` start nothing and the run hang. A poller identity is
 * `pid@host` (Temporal's default); one on this host counts only while that pid runs, one on
 * another host only if it polled within the last 70 s (a long poll lasts up to 60 s).
 * In-process workers of other commands mark their identity and never count: they leave with
 * their command, which may end before this run does.
 */
import { hostname } from 'node:os';
import type { Settings } from '../config/settings';
import { openWorkerConnection, type Temporal } from '../temporal/connect';
import { isAlive } from '../temporal/processes';
import { taskQueues, type QueueName } from '../temporal/queues';
import { createWorkers, runWorkers } from '../workers/create';
import { installWorkerLogging } from '../workers/logging';

export type WorkerMode = 'auto' | 'yes' | 'no';

const inProcessMark = 'fait-in-process';
const remoteLiveMs = 70_000;

export async function withInProcessWorkers<T>(temporal: Temporal, settings: Settings, mode: WorkerMode, body: () => Promise<T>): Promise<T> {
  const queues: QueueName[] = mode === 'yes' ? ['cpu', 'gpu'] : mode === 'no' ? [] : await queuesWithoutLiveWorker(temporal);
  if (queues.length === 0) return body();
  installWorkerLogging(settings.stateDir, { stderr: true, level: 'WARN' });
  const workers = await createWorkers({
    connection: await openWorkerConnection(settings, temporal.address),
    settings,
    queues,
    identity: `${process.pid}@${hostname()} ${inProcessMark}`,
  });
  const running = runWorkers(workers);
  try {
    return await body();
  } finally {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  }
}

/** The queues (cpu: workflow tasks, gpu: activity tasks) that no live standalone worker polls. */
export async function queuesWithoutLiveWorker(temporal: Temporal): Promise<QueueName[]> {
  const polled = async (queue: QueueName, taskQueueType: number) => {
    const response = await temporal.client.workflowService.describeTaskQueue({
      namespace: temporal.namespace,
      taskQueue: { name: taskQueues[queue] },
      taskQueueType, // 1 = TASK_QUEUE_TYPE_WORKFLOW, 2 = TASK_QUEUE_TYPE_ACTIVITY
    });
    return (response.pollers ?? []).some((p) => pollerIsLive(p.identity ?? '', lastAccessMs(p.lastAccessTime)));
  };
  const [cpu, gpu] = await Promise.all([polled('cpu', 1), polled('gpu', 2)]);
  return [...(cpu ? [] : ['cpu' as const]), ...(gpu ? [] : ['gpu' as const])];
}

export function pollerIsLive(identity: string, lastAccess: number | undefined, now = Date.now()): boolean {
  if (identity.includes(inProcessMark)) return false;
  const local = /^(\d+)@(\S+)$/.exec(identity);
  if (local && local[2] === hostname()) return isAlive({ pid: Number(local[1]) });
  return lastAccess !== undefined && now - lastAccess < remoteLiveMs;
}

function lastAccessMs(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!time || time.seconds === undefined || time.seconds === null) return undefined;
  return Number(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}
