/** The `fait` command line. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load';
import { UsageError } from '../temporal/embeddedServer';
import { registerCancel } from './commands/cancel';
import { registerEval } from './commands/eval';
import { registerList } from './commands/list';
import { registerMask } from './commands/mask';
import { registerPlan } from './commands/plan';
import { registerRun } from './commands/run';
import { registerServer } from './commands/server';
import { registerStatus } from './commands/status';
import { registerTokens } from './commands/tokens';
import { registerWorker } from './commands/worker';
import { BadInputError, exitCodes } from './context';

// A reader that went away (`fait status X | head -1`) is not an error; the command just ends.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

const program = new Command()
  .name('fait')
  .description(
    'Fault-Aware Fine-Tuning experiments for code LLMs as durable Temporal workflows.\n' +
      'Without TEMPORAL_ADDRESS every command uses the embedded Temporal server, starting it when needed.',
  )
  .showHelpAfterError('(add --help for usage)')
  // Usage errors (unknown command or option, missing argument) are bad input: exit 2, not 1.
  .exitOverride();

registerServer(program);
registerWorker(program);
registerRun(program);
registerStatus(program);
registerCancel(program);
registerList(program);
registerMask(program);
registerEval(program);
registerPlan(program);
registerTokens(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = exitCode(err);
});

/** 0 ok (and help), 1 a run failed or something went wrong, 2 bad input; main prints the message. */
function exitCode(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : exitCodes.badInput; // commander printed it
  if (err instanceof ConfigError || err instanceof BadInputError || err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`);
    return exitCodes.badInput;
  }
  if (err instanceof WorkflowNotFoundError) {
    process.stderr.write(`fait: no run with id ${err.workflowId}\n`);
    return exitCodes.badInput;
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    process.stderr.write(`fait: a run with id ${err.workflowId} already exists; choose another --id\n`);
    return exitCodes.badInput;
  }
  process.stderr.write(`fait: ${(err as Error).message}\n`);
  return exitCodes.runFailed;
}
