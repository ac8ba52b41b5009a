/**
 * Test helper for the mutation teacher's quality checks: the bundled example tasks, and running
 * Python code + tests (or just parsing code) with CPython in subprocesses.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../config/settings';

export interface ExampleTask {
  id: string;
  instruction: string;
  response: string;
  tests: string;
  entry_point: string;
}

export const examplesFile = path.join(projectRoot, 'examples', 'python-tasks.jsonl');

export function loadExampleTasks(file = examplesFile): ExampleTask[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExampleTask);
}

const FENCE = /```python[ \t]*\r?\n([\s\S]*?)(?:\r?\n)?```/;

/** The first ```python block of a response, as examples/check_tasks.py's extract_code does. */
export function extractCode(response: string): string {
  const match = FENCE.exec(response);
  return match ? match[1] + '\n' : '';
}

/** Runs one Python driver script with JSON lines on stdin, returning its stdout lines as JSON. */
function runDriver<T>(script: string, args: string[], inputs: unknown[], timeoutMs: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-I', '-c', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`python driver failed (exit ${code}): ${stderr.trim()}`));
      const lines = stdout.split('\n').filter((l) => l !== '');
      if (lines.length !== inputs.length) return reject(new Error(`python driver answered ${lines.length} of ${inputs.length} jobs`));
      resolve(lines.map((l) => JSON.parse(l) as T));
    });
    child.stdin.end(inputs.map((i) => JSON.stringify(i) + '\n').join(''));
  });
}

const RUNNER = `
import json, os, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

timeout = float(sys.argv[1])

def limit():
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    except Exception:
        pass

def run(job):
    program = job["code"].rstrip("\\n") + "\\n\\n\\n" + job["tests"].rstrip("\\n") + "\\n"
    with tempfile.TemporaryDirectory(prefix="fait-mutation-") as tmp:
        script = os.path.join(tmp, "task.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(program)
        try:
            proc = subprocess.run([sys.executable, "-I", script], cwd=tmp, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  timeout=timeout, preexec_fn=limit)
        except subprocess.TimeoutExpired:
            return {"passed": False, "reason": f"timed out after {timeout:g} s"}
    if proc.returncode == 0:
        return {"passed": True, "reason": ""}
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    return {"passed": False, "reason": lines[-1].strip() if lines else f"exit status {proc.returncode}"}

jobs = [json.loads(line) for line in sys.stdin]
with ThreadPoolExecutor(max_workers=max(2, min(16, os.cpu_count() or 2))) as pool:
    for result in pool.map(run, jobs):
        print(json.dumps(result), flush=True)
`;

/** Runs each `code` followed by its `tests` in a fresh `python3 -I` process (temp dir, timeout, 1 GiB). */
export function runTestsInPython(jobs: { code: string; tests: string }[], timeoutS = 10): Promise<{ passed: boolean; reason: string }[]> {
  if (jobs.length === 0) return Promise.resolve([]);
  return runDriver(RUNNER, [String(timeoutS)], jobs, 600_000);
}

const PARSER = `
import ast, json, sys
for line in sys.stdin:
    try:
        ast.parse(json.loads(line))
        print(json.dumps(None))
    except SyntaxError as e:
        print(json.dumps(f"line {e.lineno}: {e.msg}"))
`;

/** For each code text, null when CPython's ast.parse accepts it, else the syntax error. */
export function cpythonSyntaxErrors(codes: string[]): Promise<(string | null)[]> {
  if (codes.length === 0) return Promise.resolve([]);
  return runDriver(PARSER, [], codes, 120_000);
}
