/** `fait cancel <id>`: ask a run to stop; its running stage is cancelled and recorded as such. */
import type { Command } from 'commander';
import { withTemporal } from '../context';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel a running experiment (its history and artifacts are kept)')
    .argument('<id>', 'the run id')
    .action(async (id: string) => {
      await withTemporal(async ({ client }) => {
        await client.workflow.getHandle(id).cancel();
        process.stdout.write(`cancellation requested for ${id}\n`);
      });
    });
}
