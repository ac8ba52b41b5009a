/** `fait status <id>`: the run's stage, progress and last error. */
import type { Command } from 'commander';
import { withTemporal } from '../context';
import { stageLines } from '../follow';
import { describeRun, type RunView } from '../runView';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("show a run's state, the progress of each stage and its last error")
    .argument('<id>', 'the run id that `fait run` printed')
    .option('--json', 'print the full status as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withTemporal(async ({ client }) => {
        const view = await describeRun(client, id);
        if (options.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        else printRunView(view, process.stdout);
      });
    });
}

export function printRunView(view: RunView, out: NodeJS.WritableStream): void {
  out.write(`${view.workflowId}: ${view.runStatus.toLowerCase()}${view.status ? ` (stage ${view.status.stage})` : ''}\n`);
  for (const line of stageLines(view)) out.write(`  ${line.stage.padEnd(8)} ${line.state}${line.detail ? `  ${line.detail}` : ''}\n`);
  const error = view.failure ?? view.status?.lastError ?? view.statusError;
  if (error) out.write(`  last error: ${error}\n`);
  if (view.result) out.write(`  report: ${view.result.report.uri}\n`);
}
