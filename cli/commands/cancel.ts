/** `fait cancel <id>`: ask a run to stop; its running stage is cancelled and recorded as such. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { withTemporal } from '../context';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel a running experiment (its history and artifacts are kept); a closed run is left as it is')
    .argument('<id>', 'the run id')
    .action(async (id: string) => {
      await withTemporal(async ({ client }) => {
        const handle = client.workflow.getHandle(id);
        // An unknown id throws WorkflowNotFoundError here: exit 2 (cli/main.ts).
        const before = await handle.describe();
        if (before.status.name === 'RUNNING') {
          try {
            await handle.cancel();
            process.stdout.write(`cancellation requested for ${id}\n`);
            return;
          } catch (err) {
            // It closed between the two calls.
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }
        const now = await handle.describe();
        process.stdout.write(`${id} is already closed (${now.status.name.toLowerCase()}); nothing to cancel\n`);
      });
    });
}
