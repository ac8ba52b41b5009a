/**
 * Checks made before a run is submitted, so that a missing file or a misspelt model directory
 * stops `fait run` at once (exit 2, naming the key and the path) instead of failing the workflow
 * after the dataset, teacher (paid LLM calls) and masks stages ran.
 *
 * A model directory is checked in TypeScript, without loading anything: config.json parses and
 * names a model_type, a tokenizer file (tokenizer.json or tokenizer_config.json) and weights
 * (*.safetensors or *.bin) are there. Loading the tokenizer in Python would take seconds per run
 * start; the trainer still reports anything deeper as `bad_input` at once.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { keyLocation, type LoadedConfig } from '../config/load';
import { projectRoot, type Settings } from '../config/settings';
import { BadInputError } from './context';

/** The quick start's model (config/examples/quickstart.yaml), made on demand from the bundled tasks. */
export const quickstartModel = path.join(projectRoot, '.fait', 'tiny-model');
const quickstartCorpus = path.join(projectRoot, 'examples', 'python-tasks.jsonl');

/** Throws BadInputError listing every problem as `file:line:col: key: path: what is wrong`. */
export function checkExperimentInputs(shownFile: string, loaded: LoadedConfig, settings: Settings): void {
  const { config } = loaded;
  const problems: string[] = [];
  const problem = (keyPath: string[], target: string, reason: string) =>
    problems.push(`${shownFile}${keyLocation(loaded.file, keyPath)}: ${keyPath.join('.')}: ${target}: ${reason}`);

  const dataset = fileProblem(config.dataset.path);
  if (dataset) problem(['dataset', 'path'], config.dataset.path, dataset);

  const model = config.training.model;
  if (model !== undefined) {
    if (model === quickstartModel && !existsSync(path.join(model, 'config.json'))) makeTinyModel(model, settings);
    const reason = modelDirProblem(model);
    if (reason) problem(['training', 'model'], model, reason);
  }
  if (problems.length > 0) throw new BadInputError(problems.join('\n'));
}

/** Why `file` cannot be read as an input file, or undefined when it can. */
export function fileProblem(file: string): string | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return 'no such file';
  }
  if (stat.isDirectory()) return 'is a directory, expected a file';
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code})`;
  }
  return undefined;
}

/** Why `dir` is not a usable Hugging Face model directory, or undefined when it looks like one. */
export function modelDirProblem(dir: string): string | undefined {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    return 'no such directory (expected a Hugging Face model directory: config.json, tokenizer, weights)';
  }
  if (!stat.isDirectory()) return 'is a file, expected a Hugging Face model directory';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code})`;
  }
  if (!names.includes('config.json')) return 'no config.json: not a Hugging Face model directory';
  let modelConfig: unknown;
  try {
    modelConfig = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  } catch (err) {
    return `config.json cannot be parsed: ${(err as Error).message}`;
  }
  if (typeof (modelConfig as { model_type?: unknown })?.model_type !== 'string') return 'config.json has no "model_type"';
  if (!names.includes('tokenizer.json') && !names.includes('tokenizer_config.json')) return 'no tokenizer (tokenizer.json or tokenizer_config.json)';
  if (!names.some((n) => /\.(safetensors|bin)$/.test(n))) return 'no weights (*.safetensors or *.bin)';
  return undefined;
}

/**
 * What scripts/quickstart.sh does, on demand: a tiny random-init Llama whose tokenizer is trained
 * on the bundled tasks. Written to a temporary folder and renamed, so two runs starting at once
 * cannot leave half a model.
 */
export function makeTinyModel(target: string, settings: Settings): void {
  const how = 'run `bash scripts/bootstrap.sh` (it makes the Python environment), then `fait run` again';
  if (!existsSync(settings.python)) {
    throw new BadInputError(`training.model: ${target} does not exist yet and cannot be made: no Python at ${settings.python}; ${how}`);
  }
  process.stderr.write(`making the quick start's tiny random-init model in ${target} (once)\n`);
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const made = spawnSync(settings.python, ['-m', 'fait_trainer', 'tiny-model', '--corpus', quickstartCorpus, '--out', tmp], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (made.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const tail = (made.stderr ?? '').trim().split('\n').pop() ?? '';
    throw new BadInputError(`training.model: could not make ${target} (${made.error?.message ?? tail}); ${how}`);
  }
  try {
    renameSync(tmp, target);
  } catch {
    // Another run made it first.
    rmSync(tmp, { recursive: true, force: true });
  }
}
