/**
 * `fait tokens`: each pair's correct and incorrect responses token by token with their FAIT marks,
 * exactly as the trainer will weight them (the trainer's own tokenization, spawned as
 * `python -m fait_trainer tokens`): the view to check before spending GPU hours.
 */
import { spawn } from 'node:child_process';
import { Option, type Command } from 'commander';
import { PROMPT_FORMATS } from '../../config/schema';
import { projectRoot, readSettings } from '../../config/settings';
import { exitCodes } from '../context';

interface TokensOptions {
  model: string;
  pairs: string;
  masks: string;
  promptFormat?: string;
  limit?: number;
  json?: boolean;
}

export function registerTokens(program: Command): void {
  program
    .command('tokens')
    .description('show the response tokens of each pair with their line and char marks, as the trainer sees them')
    .requiredOption('--model <dir>', 'Hugging Face model directory whose tokenizer (and chat template) the trainer uses')
    .requiredOption('--pairs <file>', 'JSONL, one {"id", "instruction", "correct", "incorrect"} object per line (the teacher’s pairs)')
    .requiredOption('--masks <file>', 'JSONL written by fait mask for those pairs')
    .addOption(new Option('--prompt-format <format>', 'a built-in prompt format instead of the chat template (training.promptFormat)').choices([...PROMPT_FORMATS]))
    .option('--limit <n>', 'only the first N pairs', positiveInt)
    .option('--json', 'one JSON line per pair: {"id", "correct": {"tokens", "offsets", "vLine", "vChar", "vHybrid", "endTokens"}, "incorrect": {...}}')
    .action(async (options: TokensOptions) => {
      process.exitCode = await showTokens(options);
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--limit: expected a positive integer, got ${value}`);
  return n;
}

function showTokens(options: TokensOptions): Promise<number> {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const args = ['-m', 'fait_trainer', 'tokens', '--model', options.model, '--pairs', options.pairs, '--masks', options.masks, '--color', color ? 'always' : 'never'];
  if (options.promptFormat) args.push('--prompt-format', options.promptFormat);
  if (options.limit !== undefined) args.push('--limit', String(options.limit));
  if (options.json) args.push('--json');
  const child = spawn(readSettings().python, args, {
    cwd: projectRoot,
    env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`fait tokens: cannot run the trainer’s Python: ${err.message}\n`);
      resolve(exitCodes.runFailed);
    });
    child.once('exit', (code) => resolve(code === 0 ? 0 : code === 2 ? exitCodes.badInput : exitCodes.runFailed));
  });
}
