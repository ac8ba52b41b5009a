/** `fait list`: recent runs with their state and current stage, as an aligned table or JSON. */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Command } from 'commander';
import { experimentNameKey, stageKey } from '../../temporal/searchAttributes';
import { stageNames } from '../../workflows/status';
import { withTemporal } from '../context';
import { writeTable } from '../table';

interface Row {
  id: string;
  experiment: string;
  status: string;
  /** The running stage ("pending" before the first), or the stage a failed or cancelled run ended in; null once completed. */
  stage: string | null;
  started: string;
  closed: string;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list recent experiment runs, newest first: id, experiment, state, current stage, start, duration')
    .option('-n, --limit <n>', 'how many runs', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      await withTemporal(async ({ client, namespace }) => {
        const rows: Row[] = [];
        for await (const run of client.workflow.list({ query: "WorkflowType = 'faitExperiment'" })) {
          const attribute = run.typedSearchAttributes.get(stageKey) ?? null;
          rows.push({
            id: run.workflowId,
            experiment: run.typedSearchAttributes.get(experimentNameKey) ?? '',
            status: run.status.name.toLowerCase(),
            // The workflow overwrites FaitStage with "failed"/"cancelled"/"completed" when it ends.
            stage:
              run.status.name === 'RUNNING' || isStage(attribute)
                ? attribute
                : attribute === 'completed'
                  ? null
                  : await endedStage(client, namespace, run.workflowId, run.runId),
            started: run.startTime.toISOString(),
            closed: run.closeTime?.toISOString() ?? '',
          });
          if (rows.length >= options.limit) break;
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('no runs yet\n');
          return;
        }
        writeTable(
          process.stdout,
          ['ID', 'EXPERIMENT', 'STATE', 'STAGE', 'STARTED (UTC)', 'DURATION'],
          rows.map((r) => [r.id, r.experiment, r.status, r.stage ?? '-', r.started.slice(0, 19).replace('T', ' '), duration(r.started, r.closed)]),
        );
      });
    });
}

function isStage(value: string | null): value is string {
  return value !== null && (stageNames as readonly string[]).includes(value);
}

/** The last stage name the workflow wrote to FaitStage, read from the end of its history. */
async function endedStage(client: Client, namespace: string, workflowId: string, runId: string): Promise<string | null> {
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < 10; page += 1) {
    const response = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace,
      execution: { workflowId, runId },
      maximumPageSize: 200,
      nextPageToken,
    });
    for (const event of response.history?.events ?? []) {
      const field = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[stageKey.name];
      if (!field) continue;
      const value = defaultPayloadConverter.fromPayload<string>(field);
      if (isStage(value)) return value;
    }
    if (!response.nextPageToken?.length) break;
    nextPageToken = response.nextPageToken;
  }
  return null;
}

function duration(started: string, closed: string): string {
  const seconds = Math.max(0, Math.round(((closed ? Date.parse(closed) : Date.now()) - Date.parse(started)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
