/** `fait list`: recent runs with their status and current stage. */
import type { Command } from 'commander';
import { experimentNameKey, stageKey } from '../../temporal/searchAttributes';
import { withTemporal } from '../context';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list recent experiment runs, newest first')
    .option('-n, --limit <n>', 'how many runs', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      await withTemporal(async ({ client }) => {
        const rows = [];
        for await (const run of client.workflow.list({ query: "WorkflowType = 'faitExperiment'" })) {
          rows.push({
            id: run.workflowId,
            status: run.status.name.toLowerCase(),
            experiment: run.typedSearchAttributes.get(experimentNameKey) ?? '',
            stage: run.typedSearchAttributes.get(stageKey) ?? '',
            started: run.startTime.toISOString(),
            closed: run.closeTime?.toISOString() ?? '',
          });
          if (rows.length >= options.limit) break;
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) process.stdout.write('no runs yet\n');
        for (const r of rows) process.stdout.write(`${r.id}  ${r.status.padEnd(10)} ${r.stage.padEnd(10)} ${r.started}\n`);
      });
    });
}
