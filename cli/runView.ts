/**
 * Everything `fait status` and the progress display show about one run: the workflow's own status
 * (a query while it runs, its result or failure once closed) plus the live heartbeat progress of
 * its pending activities, which only the server's describe call knows.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { Progress } from '../activities/progress';
import { statusQuery, type ExperimentResult } from '../workflows';
import type { ExperimentStatus } from '../workflows/status';

export interface ActivityView {
  type: string;
  attempt: number;
  progress?: Progress;
  lastFailure?: string;
}

export interface RunView {
  workflowId: string;
  runStatus: string;
  startTime?: string;
  closeTime?: string;
  status?: ExperimentStatus;
  statusError?: string;
  activities: ActivityView[];
  result?: ExperimentResult;
  failure?: string;
}

const queryTimeoutMs = 5_000;

export async function describeRun(client: Client, workflowId: string): Promise<RunView> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const view: RunView = {
    workflowId,
    runStatus: description.status.name,
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString(),
    activities: (description.raw.pendingActivities ?? []).map((a) => ({
      type: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 1,
      progress: a.heartbeatDetails?.payloads?.[0] ? (defaultPayloadConverter.fromPayload(a.heartbeatDetails.payloads[0]) as Progress) : undefined,
      lastFailure: a.lastFailure?.message ?? undefined,
    })),
  };
  if (description.status.name === 'RUNNING') {
    try {
      view.status = await client.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(statusQuery));
    } catch (err) {
      view.statusError = `no worker answered the status query (${(err as Error).message}); is \`fait worker\` running?`;
    }
    return view;
  }
  try {
    view.result = (await handle.result()) as ExperimentResult;
    view.status = view.result.status;
  } catch (err) {
    view.failure = err instanceof WorkflowFailedError ? failureMessage(err) : (err as Error).message;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure && cause.type === 'StageFailed') view.status = cause.details?.[0] as ExperimentStatus;
  }
  return view;
}

/** The innermost cause's message: the activity's own words, naming the file, line or key. */
export function failureMessage(err: Error): string {
  let current: Error | undefined = err;
  while (current && (current as { cause?: Error }).cause) current = (current as { cause?: Error }).cause;
  return current?.message ?? err.message;
}
