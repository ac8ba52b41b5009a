/**
 * The bubblewrap command line for one sandbox, built as a pure function of its plan so that the
 * isolation it promises can be read (and tested) in one place.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isWithin, type SystemMount } from './systemPaths';

export const SANDBOX_WORKDIR = '/tmp';

/**
 * root: bwrap runs privileged and the command drops to `uid` through setpriv (no capabilities,
 * no-new-privs). userns: an unprivileged caller; bwrap makes a user namespace.
 */
export type SandboxIdentity = { kind: 'root'; uid: number } | { kind: 'userns'; disableNestedUserns: boolean };

export interface BwrapPlan {
  system: SystemMount[];
  readOnlyPaths: string[];
  /** Relative path in the workdir and the fd (of the bwrap process) its content is read from. */
  files: { relPath: string; fd: number }[];
  env: Record<string, string>;
  tmpSizeBytes: number;
  shmSizeBytes: number;
  identity: SandboxIdentity;
  /** prlimit arguments, ending before the `--`. */
  limits: string[];
  argv: string[];
}

export interface Rlimits {
  memoryBytes: number;
  cpuSeconds: number;
  maxProcesses: number;
  maxFileBytes: number;
}

export function prlimitArgs(l: Rlimits): string[] {
  const int = (n: number) => String(Math.max(1, Math.floor(n)));
  return [
    'prlimit',
    `--as=${int(l.memoryBytes)}`,
    `--cpu=${int(l.cpuSeconds)}`,
    `--nproc=${int(l.maxProcesses)}`,
    `--fsize=${int(l.maxFileBytes)}`,
    '--core=0',
  ];
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  const args: string[] = [];
  const roDests: string[] = [];
  const symlinkDests = plan.system.filter((m) => m.kind === 'symlink').map((m) => m.dest);
  const madeDirs = new Set<string>();

  // bwrap would create missing parents with the host's modes (/root is 0700), which would hide a
  // bound interpreter under /root from the unprivileged sandbox user.
  const ensureParents = (dest: string, mode: string) => {
    const parts = path.dirname(dest).split('/').filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += '/' + part;
      if (madeDirs.has(cur) || roDests.some((d) => isWithin(cur, d)) || cur === SANDBOX_WORKDIR) continue;
      args.push('--perms', mode, '--dir', cur);
      madeDirs.add(cur);
    }
  };
  const roBind = (source: string, dest: string) => {
    if (roDests.some((d) => isWithin(dest, d))) return; // already visible through a wider bind
    ensureParents(dest, '0755');
    args.push('--ro-bind', source, dest);
    roDests.push(dest);
  };

  for (const m of plan.system) {
    if (m.kind === 'symlink') args.push('--symlink', m.source, m.dest);
    else roBind(m.source, m.dest);
  }

  const extra = plan.readOnlyPaths.map((p) => {
    const n = path.normalize(p);
    // A path through a top-level symlink (/lib64/...) cannot get a mount point of its own.
    const dest = symlinkDests.some((s) => isWithin(n, s)) ? realpathSync(n) : n;
    return { source: n, dest };
  });
  const [underTmp, elsewhere] = partition(extra, (e) => isWithin(e.dest, SANDBOX_WORKDIR));
  for (const e of sortByDepth(elsewhere)) roBind(e.source, e.dest);

  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--perms', '1777', '--size', String(plan.tmpSizeBytes), '--tmpfs', SANDBOX_WORKDIR);
  // POSIX semaphores (multiprocessing's locks) live in /dev/shm: a second private tmpfs.
  args.push('--perms', '1777', '--size', String(plan.shmSizeBytes), '--tmpfs', '/dev/shm');
  for (const e of sortByDepth(underTmp)) roBind(e.source, e.dest);

  for (const f of plan.files) {
    const dest = path.posix.join(SANDBOX_WORKDIR, f.relPath);
    ensureParents(dest, '1777');
    args.push('--perms', '0644', '--file', String(f.fd), dest);
  }
  args.push('--remount-ro', '/');

  args.push('--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  if (plan.identity.kind === 'userns') {
    args.push('--unshare-user');
    if (plan.identity.disableNestedUserns) args.push('--disable-userns');
  }
  args.push('--hostname', 'sandbox', '--die-with-parent', '--new-session', '--chdir', SANDBOX_WORKDIR, '--clearenv');
  for (const [k, v] of Object.entries(plan.env)) args.push('--setenv', k, v);

  args.push('--');
  if (plan.identity.kind === 'root') {
    const id = String(plan.identity.uid);
    args.push(
      'setpriv',
      `--reuid=${id}`,
      `--regid=${id}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    );
  }
  args.push(...plan.limits, '--', ...plan.argv);
  return args;
}

/** Checks a relative workdir path: no absolute paths, no way out through `..`. */
export function checkWorkdirPath(rel: string): string {
  const n = path.posix.normalize(rel);
  if (rel === '' || path.posix.isAbsolute(rel) || n === '.' || n.startsWith('../') || n === '..') {
    throw new Error(`sandbox: file name must be a relative path inside the workdir: ${JSON.stringify(rel)}`);
  }
  return n;
}

function sortByDepth<T extends { dest: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => a.dest.split('/').length - b.dest.split('/').length || a.dest.localeCompare(b.dest));
}

function partition<T>(xs: T[], pred: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of xs) (pred(x) ? yes : no).push(x);
  return [yes, no];
}
