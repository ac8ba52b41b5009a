/**
 * `fait eval setup bigcodebench`: builds the separate environment with BigCodeBench's pinned task
 * libraries (evaluation/evalEnv.ts) that the evaluation then runs BigCodeBench in, and lists what
 * could not be installed, each with pip's reason.
 */
import type { Command } from 'commander';
import { readSettings } from '../../config/settings';
import {
  BIGCODEBENCH_BASE_PYTHON,
  BIGCODEBENCH_REQUIREMENTS,
  defaultEvalEnvDir,
  EvalEnvInputError,
  setupEvalEnv,
  type EvalEnvRecord,
} from '../../evaluation';
import { exitCodes } from '../context';

interface SetupOptions {
  dir?: string;
  python: string;
  requirements: string;
  json?: boolean;
}

export function registerEvalSetup(evalCommand: Command): void {
  evalCommand
    .command('setup <benchmark>')
    .description('build the evaluation environment of a benchmark (bigcodebench: its pinned task libraries, from PyPI)')
    .option('--dir <dir>', 'where to build it (default: <state dir>/eval-envs/bigcodebench, the one the evaluation uses)')
    .option('--python <interpreter>', 'the Python the environment is made from (BigCodeBench evaluates on 3.10)', BIGCODEBENCH_BASE_PYTHON)
    .option('--requirements <file>', 'requirements to install, one per line', BIGCODEBENCH_REQUIREMENTS)
    .option('--json', 'print the setup record as JSON')
    .action(async (benchmark: string, _local: SetupOptions, command: Command) => {
      // `fait eval` has a --json of its own, which commander gives the parent wherever it stands.
      const options = command.optsWithGlobals<SetupOptions>();
      if (benchmark !== 'bigcodebench' && benchmark !== 'bigcodebench-hard') {
        process.stderr.write(`fait eval setup: unknown benchmark ${benchmark}; expected bigcodebench (HumanEval and MBPP need only the project venv)\n`);
        process.exitCode = exitCodes.badInput;
        return;
      }
      const defaultDir = defaultEvalEnvDir(readSettings().stateDir);
      const dir = options.dir ?? defaultDir;
      let record: EvalEnvRecord;
      try {
        record = await setupEvalEnv({
          dir,
          basePython: options.python,
          requirementsFile: options.requirements,
          onStep: (m) => process.stderr.write(`${m}\n`),
        });
      } catch (err) {
        process.stderr.write(`fait eval setup: ${(err as Error).message}\n`);
        process.exitCode = err instanceof EvalEnvInputError ? exitCodes.badInput : exitCodes.runFailed;
        return;
      }
      if (options.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else printSetup(record, dir, defaultDir);
      process.exitCode = record.harness.ok ? 0 : exitCodes.runFailed;
    });
}

function printSetup(r: EvalEnvRecord, dir: string, defaultDir: string): void {
  const total = r.installed.length + r.failed.length;
  process.stdout.write(`${dir}: Python ${r.pythonVersion}, ${r.installed.length} of ${total} requirements installed in ${r.durationS} s\n`);
  if (r.failed.length > 0) {
    process.stdout.write(`not installed (${r.failed.length}); tasks that import them fail as missing_library:\n`);
    for (const f of r.failed) process.stdout.write(`  ${f.requirement} (line ${f.line}): ${f.reason}\n`);
  }
  for (const s of r.skipped) process.stdout.write(`  skipped ${s.requirement} (line ${s.line}): ${s.reason}\n`);
  if (!r.harness.ok) process.stdout.write(`not used by the evaluation: ${r.harness.error}\n`);
  else if (dir === defaultDir) process.stdout.write(`BigCodeBench evaluations on this machine now run in ${r.python}\n`);
  else process.stdout.write(`the evaluation uses only ${defaultDir}; this environment is not used there\n`);
}
