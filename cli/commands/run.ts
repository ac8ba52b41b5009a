/** `fait run <config>`: start an experiment, print its id and Web UI link, follow it to the end. */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { loadExperimentFile } from '../../config/load';
import { readSettings, type Settings } from '../../config/settings';
import { workflowUrl, type Temporal } from '../../temporal/connect';
import { taskQueues } from '../../temporal/queues';
import { experimentNameKey, stageKey } from '../../temporal/searchAttributes';
import type { ExperimentInput } from '../../workflows';
import { BadInputError, exitCodes, setInterruptLine, withTemporal } from '../context';
import { followRun } from '../follow';
import { withInProcessWorkers, type WorkerMode } from '../inProcessWorkers';
import { checkExperimentInputs } from '../preflight';
import { printRunView } from './status';

interface RunOptions {
  id?: string;
  skipInvalid?: boolean;
  /** false with --no-teacher-cache. */
  teacherCache: boolean;
  follow: boolean;
  worker: WorkerMode;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start an experiment from a YAML or JSON experiment file, print its id and Web UI link, and follow its progress')
    .argument('<config>', 'experiment file (see config/examples/)')
    .option('--id <id>', 'workflow id for the run (default: <name>-<timestamp>-<random>)')
    .option('--skip-invalid', 'skip invalid dataset records (each is listed in the rejects artifact) instead of stopping')
    .option('--no-teacher-cache', 'ask the teacher endpoint again for every sample instead of reusing cached answers (sets teacher.cache: false)')
    .option('--no-follow', 'print the id and return at once; the run goes on in the server')
    .option('--worker <mode>', 'run workers in this process: auto (when no other worker polls), yes, no', 'auto')
    .action(async (file: string, options: RunOptions) => {
      const loaded = loadExperimentFile(file);
      if (options.skipInvalid) loaded.config.dataset.skipInvalid = true;
      if (!options.teacherCache) loaded.config.teacher.cache = false;
      // Before any server or workflow: a missing file must not cost a teacher stage.
      checkExperimentInputs(file, loaded, readSettings());
      const experimentId = options.id ?? defaultRunId(loaded.config.name);
      const input: ExperimentInput = { experimentId, config: loaded.config, configSha256: loaded.sha256 };
      process.exitCode = await withTemporal((temporal, settings) => startAndFollow(temporal, settings, input, options));
    });
}

async function startAndFollow(temporal: Temporal, settings: Settings, input: ExperimentInput, options: RunOptions): Promise<number> {
  if (temporal.embedded && !options.follow && !temporal.embedded.outlivesLease()) {
    throw new BadInputError('--no-follow needs a Temporal server that outlives this command: start `fait server` and `fait worker` first, or set TEMPORAL_ADDRESS');
  }
  return withInProcessWorkers(temporal, settings, options.worker, async () => {
    await temporal.client.workflow.start('faitExperiment', {
      taskQueue: taskQueues.cpu,
      workflowId: input.experimentId,
      args: [input],
      typedSearchAttributes: [
        { key: experimentNameKey, value: input.config.name },
        { key: stageKey, value: 'pending' },
      ],
    });
    process.stdout.write(`${input.experimentId}\n`);
    const url = workflowUrl(temporal, input.experimentId);
    if (url) process.stderr.write(`Web UI: ${url}\n`);
    if (!options.follow) return 0;
    // The run is durable: Ctrl-C ends the display (and any in-process workers), not the run.
    setInterruptLine(`stopped following ${input.experimentId}; the run is kept and goes on while a worker runs (\`fait worker\`); \`fait status ${input.experimentId}\` shows it`);
    const view = await followRun(temporal.client, input.experimentId, new AbortController().signal);
    printRunView(view, process.stderr);
    return view.runStatus === 'COMPLETED' ? 0 : exitCodes.runFailed;
  });
}

export function defaultRunId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}
