/**
 * Verified-incorrect mode: a variant is kept only if it really fails the record's own tests. The
 * variant is generated code, so it runs in the shared sandbox like every other execution.
 */
import { resolvePython } from '../evaluation';
import { runSandboxed, type SandboxMode } from '../sandbox';
import { codeBlocks, isPythonBlock } from './markdown';

export type Verdict = { verdict: 'fails'; detail: string } | { verdict: 'passes' };

const limits = { timeoutMs: 10_000, memoryMb: 1024, cpuSeconds: 10, maxProcesses: 16, maxOutputBytes: 64 * 1024 };

export async function runRecordTests(response: string, tests: string, mode: SandboxMode): Promise<Verdict> {
  const code = codeBlocks(response).filter(isPythonBlock).map((b) => b.code).join('\n');
  const python = resolvePython();
  const result = await runSandboxed({
    argv: [python.python, '-I', 'check.py'],
    files: { 'check.py': `${code}\n\n${tests}\n` },
    readOnlyPaths: python.readOnlyPaths,
    mode,
    ...limits,
  });
  if (result.exitCode === 0 && !result.timedOut) return { verdict: 'passes' };
  const last = result.stderr.trim().split('\n').pop() ?? '';
  return { verdict: 'fails', detail: result.timedOut ? 'timeout' : last.slice(0, 200) };
}
