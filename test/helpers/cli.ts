/** The `fait` command as a user runs it: a subprocess, its exit code and both output streams. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config/settings';

export const faitBin = path.join(projectRoot, 'bin', 'fait');

export interface FaitOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runFait(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<FaitOutcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [faitBin, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
