/**
 * Shared by the evaluation tests: where expected outputs are cached, whether the environment can
 * run the stage at all, and the mutations that turn canonical solutions into wrong ones.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config/settings';
import { sandboxAvailable } from '../../sandbox';
import { resolveDataDir } from '../../evaluation';
import type { Problem } from '../../evaluation/problems';

/**
 * Expected outputs are keyed by the dataset's sha256, so one cache can serve every test run
 * (computing them for the tested tasks takes seconds, the whole of MBPP+ a minute).
 */
export const CACHE_DIR = process.env.FAIT_TEST_EVAL_CACHE ?? path.join(tmpdir(), 'fait-test-evaluation-cache');

/** A reason to skip the evaluation tests here, or false. */
export function cannotEvaluate(family: 'evalplus' | 'bigcodebench' = 'evalplus'): string | false {
  if (!existsSync(path.join(resolveDataDir(), 'SHA256SUMS'))) return `no benchmark data in ${resolveDataDir()}`;
  if (!sandboxAvailable()) return 'bubblewrap is not usable here';
  const python = path.resolve(__dirname, '../../../.venv/bin/python');
  const mod = family === 'evalplus' ? 'evalplus.eval' : 'bigcodebench.eval, matplotlib';
  const r = spawnSync(python, ['-c', `import ${mod}`], { encoding: 'utf8' });
  if (r.status !== 0) return `${mod} is not installed in .venv (pip install --no-deps -r evaluation/requirements-harness.txt)`;
  return false;
}

/**
 * Wrong from the `from`-th call of the function on (each check runs in a fresh process, so calls
 * are counted per test part): with few base inputs the base tests pass and the plus tests fail,
 * the "partially wrong" solution EvalPlus was made to catch. Deterministic and cheap, so neither
 * our stage nor evalplus can be tipped over a time limit by it.
 */
export function wrongFromCall(p: Problem, from: number): string {
  return (
    p.canonicalProgram +
    `

_fait_calls = [0]
_fait_orig = ${p.entryPoint}
def ${p.entryPoint}(*args, **kwargs):
    _fait_calls[0] += 1
    out = _fait_orig(*args, **kwargs)
    if _fait_calls[0] < ${from}:
        return out
    if isinstance(out, bool):
        return not out
    if isinstance(out, (int, float)):
        return out + 1
    if isinstance(out, str):
        return out + "x"
    if isinstance(out, (list, tuple)):
        return type(out)(list(out) + [None])
    return 12345
`
  );
}

/** Raises from the `from`-th call on. */
export function raisesFromCall(p: Problem, from: number): string {
  return (
    p.canonicalProgram +
    `

_fait_calls = [0]
_fait_orig = ${p.entryPoint}
def ${p.entryPoint}(*args, **kwargs):
    _fait_calls[0] += 1
    if _fait_calls[0] >= ${from}:
        raise ValueError("mutant")
    return _fait_orig(*args, **kwargs)
`
  );
}

/** Flips the first comparison of the canonical solution's body, if it has one. */
export function flipComparison(p: Problem): string | undefined {
  const body = p.canonicalProgram.slice(p.prompt.length);
  const swaps: [RegExp, string][] = [
    [/ <= /, ' < '],
    [/ >= /, ' > '],
    [/ < /, ' <= '],
    [/ > /, ' >= '],
    [/ == /, ' != '],
  ];
  for (const [re, to] of swaps) {
    if (re.test(body)) return p.prompt + body.replace(re, to);
  }
  return undefined;
}

/** Runs bin/fait in a child process; its exit code, stdout and stderr (a failure is not thrown). */
export async function runFait(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(projectRoot, 'bin', 'fait'), ...args], {
      env,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
