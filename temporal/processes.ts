/**
 * Is a process still the one we recorded? A pid alone can be reused after its process ends, so a
 * record also keeps the process's start time (Linux /proc/<pid>/stat, field 22); where /proc is
 * missing, the pid alone decides.
 */
import { readFileSync } from 'node:fs';

export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks since boot, when the system exposes it. */
  start?: string;
}

/** Fields 3 onwards of /proc/<pid>/stat: [0] is the state, [19] the start time. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function processStart(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

export function selfRef(): ProcessRef {
  return { pid: process.pid, start: processStart(process.pid) };
}

export function isAlive(ref: ProcessRef): boolean {
  try {
    process.kill(ref.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const fields = statFields(ref.pid);
  if (fields === undefined) return true;
  // A zombie has ended; only its parent has not collected it yet.
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return ref.start === undefined || fields[19] === ref.start;
}
