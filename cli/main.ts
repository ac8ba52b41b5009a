/** The `fait` command line. */
import { Command } from 'commander';
import { ConfigError } from '../config/load';
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
import { exitCodes } from './context';

const program = new Command()
  .name('fait')
  .description(
    'Fault-Aware Fine-Tuning experiments for code LLMs as durable Temporal workflows.\n' +
      'Without TEMPORAL_ADDRESS every command uses the embedded Temporal server, starting it when needed.',
  )
  .showHelpAfterError();

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
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = exitCodes.badInput;
    return;
  }
  process.stderr.write(`fait: ${(err as Error).message}\n`);
  process.exitCode = exitCodes.runFailed;
});
