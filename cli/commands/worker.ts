/** `fait worker`: poll one or both task queues until interrupted. */
import { type Command, Option } from 'commander';
import { openWorkerConnection } from '../../temporal/connect';
import type { QueueName } from '../../temporal/queues';
import { createWorkers, runWorkers } from '../../workers/create';
import { installWorkerLogging } from '../../workers/logging';
import { withTemporal } from '../context';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run workers: cpu (workflows, teacher, masks, evaluation), gpu (training, generation) or all')
    .addOption(new Option('--queue <queue>', 'which task queue to poll').choices(['cpu', 'gpu', 'all']).default('all'))
    .action(async (options: { queue: 'cpu' | 'gpu' | 'all' }) => {
      const queues: QueueName[] = options.queue === 'all' ? ['cpu', 'gpu'] : [options.queue];
      await withTemporal(async (temporal, settings) => {
        installWorkerLogging(settings.stateDir, { stderr: true, level: 'INFO' });
        const workers = await createWorkers({ connection: await openWorkerConnection(settings, temporal.address), settings, queues });
        if (workers.length === 0) {
          process.stderr.write(`no activities are registered on ${queues.join(', ')} yet; nothing to poll\n`);
          return;
        }
        process.stderr.write(`worker polling ${workers.map((w) => w.options.taskQueue).join(', ')} on ${temporal.address}\n`);
        await runWorkers(workers);
        // The Temporal runtime turns SIGINT/SIGTERM into a graceful shutdown (a trainer checkpoints).
      }, { interrupt: 'graceful' });
    });
}
