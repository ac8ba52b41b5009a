/**
 * A separate Python environment for BigCodeBench's task libraries (`fait eval setup bigcodebench`).
 * BigCodeBench's tasks import about 70 packages at pins (Requirements/requirements-eval.txt, kept
 * in requirements-bigcodebench-eval.txt) that clash with the project venv (numpy 1.21 against
 * torch's numpy 2), so they get their own venv, built from PyPI one requirement at a time: what
 * cannot be installed is recorded with pip's reason and the rest still goes in. The record
 * (fait-eval-env.json in the venv) is what tells the evaluation that the environment exists.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../artifacts/store';
import { repoRoot } from './dataFiles';
import { checkHarness, resolvePython } from './python';

export const EVAL_ENV_RECORD = 'fait-eval-env.json';
export const BIGCODEBENCH_REQUIREMENTS = path.join(repoRoot(), 'evaluation', 'requirements-bigcodebench-eval.txt');
/** BigCodeBench's evaluation image is python:3.10; its pins (numpy 1.21.2, tensorflow 2.11) need it. */
export const BIGCODEBENCH_BASE_PYTHON = 'python3.10';

export interface EvalEnvRecord {
  benchmark: 'bigcodebench';
  /** The interpreter the evaluation runs BigCodeBench with. */
  python: string;
  basePython: string;
  pythonVersion: string;
  requirementsFile: string;
  requirementsSha256: string;
  startedAt: string;
  durationS: number;
  /** bigcodebench's checker imports in the environment (else the evaluation does not use it). */
  harness: { ok: boolean; error?: string };
  installed: string[];
  failed: { requirement: string; line: number; reason: string }[];
  skipped: { requirement: string; line: number; reason: string }[];
  /** pip freeze at the end: the versions actually installed. */
  packages: string[];
}

/** Bad input to the setup (exit 2): a missing requirements file, a base Python that does not run. */
export class EvalEnvInputError extends Error {}

export function defaultEvalEnvDir(stateDir: string): string {
  return path.join(stateDir, 'eval-envs', 'bigcodebench');
}

export function readEvalEnvRecord(dir: string): EvalEnvRecord | undefined {
  const file = path.join(dir, EVAL_ENV_RECORD);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as EvalEnvRecord;
}

/** The environment's Python, if it was set up and its harness imports; else undefined. */
export function evalEnvPython(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  const rec = readEvalEnvRecord(dir);
  return rec?.harness.ok && existsSync(rec.python) ? rec.python : undefined;
}

interface Requirement {
  requirement: string;
  line: number;
}

/** Requirement lines of a pip requirements file; a repeated package is skipped with its reason. */
export function parseRequirements(file: string): { wanted: Requirement[]; skipped: EvalEnvRecord['skipped'] } {
  if (!existsSync(file)) throw new EvalEnvInputError(`requirements file ${file} does not exist`);
  const wanted: Requirement[] = [];
  const skipped: EvalEnvRecord['skipped'] = [];
  const seen = new Map<string, number>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const requirement = raw.replace(/#.*/, '').trim();
      if (!requirement) return;
      const line = i + 1;
      if (requirement.startsWith('-')) throw new EvalEnvInputError(`${file}:${line}: pip options are not supported here, expected one requirement per line`);
      // PEP 503 names: Requests, requests and python_dateutil / python-dateutil are one package each.
      const name = requirement.split(/[<>=!~;\[ @]/)[0].toLowerCase().replace(/[-_.]+/g, '-');
      const first = seen.get(name);
      if (first !== undefined) {
        skipped.push({ requirement, line, reason: `${name} is already required on line ${first}` });
        return;
      }
      seen.set(name, line);
      wanted.push({ requirement, line });
    });
  if (wanted.length === 0) throw new EvalEnvInputError(`${file} names no requirement`);
  return { wanted, skipped };
}

/** The harness layer: bigcodebench without its declared dependencies, plus what its loader imports. */
function harnessRequirements(): string[] {
  const pin = (file: string, name: string) => {
    const line = readFileSync(path.join(repoRoot(), file), 'utf8')
      .split('\n')
      .find((l) => l.toLowerCase().startsWith(`${name}==`));
    if (!line) throw new Error(`${file} has no pin for ${name}`);
    return line.trim();
  };
  return [pin('evaluation/requirements-harness.txt', 'bigcodebench'), ...['appdirs', 'tempdir', 'wget'].map((n) => pin('requirements.txt', n))];
}

export interface SetupOptions {
  dir: string;
  /** Interpreter the venv is made from. */
  basePython: string;
  requirementsFile: string;
  /** Per pip install. */
  timeoutMs?: number;
  onStep?: (message: string) => void;
}

export async function setupEvalEnv(o: SetupOptions): Promise<EvalEnvRecord> {
  const started = Date.now();
  const { wanted, skipped } = parseRequirements(o.requirementsFile);
  const base = spawnSync(o.basePython, ['-c', 'import sys; print(sys.executable); print(sys.version.split()[0])'], { encoding: 'utf8' });
  if (base.status !== 0) {
    throw new EvalEnvInputError(`base Python ${o.basePython} does not run (${(base.error?.message ?? base.stderr).trim()}); name one with --python`);
  }
  const [basePython, pythonVersion] = base.stdout.trim().split('\n');
  const python = path.join(path.resolve(o.dir), 'bin', 'python');
  const step = o.onStep ?? (() => {});
  if (!existsSync(python)) {
    mkdirSync(path.dirname(path.resolve(o.dir)), { recursive: true });
    step(`creating ${o.dir} from ${basePython} (Python ${pythonVersion})`);
    const venv = spawnSync(basePython, ['-m', 'venv', path.resolve(o.dir)], { encoding: 'utf8' });
    if (venv.status !== 0) throw new Error(`python -m venv ${o.dir} failed: ${lastLines(venv.stderr)}`);
  }
  const timeoutMs = o.timeoutMs ?? 30 * 60_000;
  const installed: string[] = [];
  const failed: EvalEnvRecord['failed'] = [];

  for (const r of harnessRequirements()) {
    const res = await pipInstall(python, r.startsWith('bigcodebench') ? ['--no-deps', r] : [r], timeoutMs);
    step(`harness ${r}: ${res.ok ? 'ok' : res.reason}`);
  }
  for (const [k, r] of wanted.entries()) {
    const t = Date.now();
    const res = await pipInstall(python, [r.requirement], timeoutMs);
    if (res.ok) installed.push(r.requirement);
    else failed.push({ ...r, reason: res.reason });
    step(`[${k + 1}/${wanted.length}] ${r.requirement}: ${res.ok ? 'ok' : `FAILED: ${res.reason}`} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }

  let harness: EvalEnvRecord['harness'] = { ok: true };
  try {
    checkHarness(resolvePython(python), 'bigcodebench');
  } catch (err) {
    harness = { ok: false, error: (err as Error).message };
  }
  const freeze = spawnSync(python, ['-m', 'pip', 'freeze', '--disable-pip-version-check'], { encoding: 'utf8' });
  const record: EvalEnvRecord = {
    benchmark: 'bigcodebench',
    python,
    basePython,
    pythonVersion,
    requirementsFile: path.resolve(o.requirementsFile),
    requirementsSha256: sha256Hex(readFileSync(o.requirementsFile)),
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    harness,
    installed,
    failed,
    skipped,
    packages: freeze.stdout.split('\n').filter(Boolean),
  };
  writeFileSync(path.join(o.dir, EVAL_ENV_RECORD), JSON.stringify(record, null, 2) + '\n');
  return record;
}

function pipInstall(python: string, args: string[], timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-64 * 1024)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: e.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true });
      else resolve({ ok: false, reason: signal === 'SIGKILL' ? `pip ran past ${timeoutMs / 60_000} min` : pipReason(err) });
    });
  });
}

/** pip's own one-line reason: its first ERROR line, else the last line it printed. */
export function pipReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => l.startsWith('ERROR:')) ?? lines.find((l) => /error:/i.test(l)) ?? lines[lines.length - 1] ?? 'pip failed without a message';
  return error.replace(/\s+/g, ' ').slice(0, 300);
}

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-3).join(' | ');
}
