/**
 * What of the host a sandbox sees. The root is an empty read-only tmpfs; only /usr (with the
 * usual top-level symlinks of a merged-/usr system) and the few files of /etc that programs read at
 * startup are bound in, so the project folder, its state folder, HOME and /etc's secrets stay out
 * of view without having to list them.
 */
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';

const TOP_LEVEL = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Read by the dynamic loader, libc (users, time zone) and common libraries (certificates, fonts). */
const ETC_ENTRIES = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'passwd',
  'group',
  'nsswitch.conf',
  'hosts',
  'alternatives',
  'ssl/certs',
  'ca-certificates',
  'mime.types',
  'fonts',
  'matplotlibrc',
];

export interface SystemMount {
  kind: 'ro-bind' | 'symlink';
  /** Host path (ro-bind) or link target (symlink). */
  source: string;
  dest: string;
}

export function systemMounts(): SystemMount[] {
  const mounts: SystemMount[] = [];
  for (const p of TOP_LEVEL) {
    const st = lstatOrNull(p);
    if (!st) continue;
    if (st.isSymbolicLink()) mounts.push({ kind: 'symlink', source: readlinkSync(p), dest: p });
    else if (st.isDirectory()) mounts.push({ kind: 'ro-bind', source: p, dest: p });
  }
  for (const e of ETC_ENTRIES) {
    const p = path.join('/etc', e);
    if (existsSync(p)) mounts.push({ kind: 'ro-bind', source: p, dest: p });
  }
  return mounts;
}

/** True when p is base or inside it. */
export function isWithin(p: string, base: string): boolean {
  const rel = path.relative(base, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Host paths the sandbox must never be handed, even read-only: they would hide its own mounts. */
export function checkReadOnlyPath(p: string): void {
  if (!path.isAbsolute(p)) throw new Error(`sandbox: read-only path must be absolute: ${p}`);
  const n = path.normalize(p);
  if (n === '/' || ['/proc', '/dev', '/tmp'].includes(n) || isWithin(n, '/proc') || isWithin(n, '/dev')) {
    throw new Error(`sandbox: ${p} cannot be bound into the sandbox`);
  }
  if (!existsSync(n)) throw new Error(`sandbox: read-only path does not exist: ${p}`);
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
