/**
 * The Python that runs the harnesses inside the sandbox: the project venv by default. A venv is
 * only a folder of links to its base interpreter, so both folders are bound read-only (and nothing
 * else of the repository), and the harness packages are checked up front for a clear message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './dataFiles';
import type { HarnessFamily } from './benchmarks';

export interface PythonEnv {
  python: string;
  /** Folders the interpreter needs, to be bound read-only into the sandbox. */
  readOnlyPaths: string[];
}

const resolved = new Map<string, PythonEnv>();

/** FAIT_PYTHON, else <repo>/.venv/bin/python. */
export function resolvePython(explicit?: string): PythonEnv {
  const python = path.resolve(explicit ?? process.env.FAIT_PYTHON ?? path.join(repoRoot(), '.venv', 'bin', 'python'));
  const hit = resolved.get(python);
  if (hit) return hit;
  if (!existsSync(python)) {
    throw new Error(`no Python at ${python}; run scripts/bootstrap.sh to create the project venv (or set FAIT_PYTHON)`);
  }
  const r = spawnSync(
    python,
    ['-c', 'import sys, os, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.realpath(sys.executable)]))'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`${python} does not run: ${(r.stderr || r.error?.message || '').trim()}`);
  const [prefix, basePrefix, execPrefix, baseExecPrefix, real] = JSON.parse(r.stdout) as string[];
  const dirs = new Set<string>([prefix, basePrefix, execPrefix, baseExecPrefix, path.dirname(path.dirname(real))]);
  const readOnlyPaths = [...dirs].filter((d) => d && d !== '/' && !d.startsWith('/usr/') && d !== '/usr').sort();
  const env = { python, readOnlyPaths };
  resolved.set(python, env);
  return env;
}

const HARNESS_MODULES: Record<HarnessFamily, string[]> = {
  evalplus: ['evalplus.eval', 'evalplus.data', 'evalplus.evaluate'],
  bigcodebench: ['bigcodebench.eval', 'bigcodebench.data', 'matplotlib'],
};

const checked = new Set<string>();

/** Throws, naming what to install, unless the harness imports in this Python. */
export function checkHarness(env: PythonEnv, family: HarnessFamily): void {
  const key = `${env.python}:${family}`;
  if (checked.has(key)) return;
  const code = [
    'import sys, types',
    'try:\n    import datasets\nexcept ImportError:\n    sys.modules["datasets"] = types.SimpleNamespace(load_dataset=None)',
    ...HARNESS_MODULES[family].map((m) => `import ${m}`),
  ].join('\n');
  const r = spawnSync(env.python, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    const req = path.join(repoRoot(), 'evaluation', 'requirements-harness.txt');
    const hint = existsSync(req) ? readFileSync(req, 'utf8').split('\n').filter((l) => /^[A-Za-z]/.test(l)).join(' ') : '';
    throw new Error(
      `the ${family} harness does not import in ${env.python}: ${lastLine(r.stderr)}. Install it with ` +
        `\`${env.python} -m pip install --no-deps -r evaluation/requirements-harness.txt\` (${hint}) and ` +
        '`pip install -r requirements.txt` for their dependencies.',
    );
  }
  checked.add(key);
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
