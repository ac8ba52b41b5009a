/**
 * Whether bubblewrap can isolate commands on this machine, found by running a harmless command
 * through the exact stack real runs use (bwrap, then setpriv for a root caller, then prlimit),
 * since bwrap being installed says nothing about namespaces being allowed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bwrapArgs, prlimitArgs, type SandboxIdentity } from './bwrapArgs';
import { systemMounts } from './systemPaths';
import type { SandboxMode } from './types';
import { acquireSandboxUid } from './uids';

export const INSTALL_HINT =
  'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora/RHEL: dnf install bubblewrap; ' +
  'Arch: pacman -S bubblewrap; scripts/bootstrap.sh does it when run as root), or set `sandbox: none` in ' +
  'the experiment config to run generated code without isolation (unsafe: it can then read and delete ' +
  'your files, reach the network and see your environment).';

export class SandboxUnavailableError extends Error {
  constructor(reason: string) {
    super(`fait runs generated code only inside a bubblewrap sandbox, and it is not usable here: ${reason}. ${INSTALL_HINT}`);
    this.name = 'SandboxUnavailableError';
  }
}

export interface SandboxSupport {
  available: boolean;
  bwrapPath?: string;
  identity?: SandboxIdentity['kind'];
  /** For the userns identity: whether bwrap can forbid nested user namespaces. */
  disableNestedUserns?: boolean;
  reason?: string;
}

let cached: SandboxSupport | undefined;

export function findBwrap(): string | undefined {
  const fromEnv = process.env.FAIT_BWRAP;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean).concat(['/usr/bin', '/bin', '/usr/local/bin']);
  for (const d of dirs) {
    const p = path.join(d, 'bwrap');
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Probes once per process; later calls return the first answer. */
export function sandboxSupport(): SandboxSupport {
  if (!cached) cached = probe();
  return cached;
}

export function sandboxAvailable(): boolean {
  return sandboxSupport().available;
}

/** Throws SandboxUnavailableError (with install instructions) unless `mode` can run here. */
export function assertSandboxMode(mode: SandboxMode): void {
  if (mode === 'none') return;
  const s = sandboxSupport();
  if (!s.available) throw new SandboxUnavailableError(s.reason ?? 'unknown reason');
}

function probe(): SandboxSupport {
  const bwrapPath = findBwrap();
  if (!bwrapPath) return { available: false, reason: 'bwrap was not found on PATH' };
  const tries: SandboxIdentity[] =
    process.getuid?.() === 0
      ? [{ kind: 'root', uid: 0 }]
      : [
          { kind: 'userns', disableNestedUserns: true },
          { kind: 'userns', disableNestedUserns: false },
        ];
  let lastError = '';
  for (const t of tries) {
    const lease = t.kind === 'root' ? acquireSandboxUid() : undefined;
    const identity: SandboxIdentity = t.kind === 'root' ? { kind: 'root', uid: lease!.uid } : t;
    const args = bwrapArgs({
      system: systemMounts(),
      readOnlyPaths: [],
      files: [],
      env: { PATH: '/usr/bin:/bin' },
      tmpSizeBytes: 1 << 20,
      shmSizeBytes: 1 << 20,
      identity,
      limits: prlimitArgs({ memoryBytes: 256 << 20, cpuSeconds: 5, maxProcesses: 16, maxFileBytes: 1 << 20 }),
      argv: ['sh', '-c', 'test "$(id -u)" != 0 || exit 3; echo ok > /tmp/probe && cat /tmp/probe'],
    });
    const r = spawnSync(bwrapPath, args, { encoding: 'utf8', timeout: 20_000, env: { PATH: '/usr/bin:/bin' } });
    lease?.release();
    if (r.status === 0 && r.stdout.trim() === 'ok') {
      return {
        available: true,
        bwrapPath,
        identity: t.kind,
        disableNestedUserns: t.kind === 'userns' ? t.disableNestedUserns : undefined,
      };
    }
    lastError = (r.error?.message ?? r.stderr ?? '').trim() || `exit status ${r.status}`;
    if (r.status === 3) lastError = 'the command still ran as root inside the sandbox';
  }
  return { available: false, bwrapPath, reason: `${bwrapPath} failed to start a sandbox (${lastError})` };
}

/** For tests: forget the probe's answer. */
export function resetSandboxSupport(): void {
  cached = undefined;
}
