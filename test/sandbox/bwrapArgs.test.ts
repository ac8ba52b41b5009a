import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bwrapArgs, checkWorkdirPath, prlimitArgs, type BwrapPlan } from '../../sandbox/bwrapArgs';
import { checkReadOnlyPath, systemMounts } from '../../sandbox/systemPaths';

function plan(over: Partial<BwrapPlan> = {}): BwrapPlan {
  return {
    system: [
      { kind: 'ro-bind', source: '/usr', dest: '/usr' },
      { kind: 'symlink', source: 'usr/bin', dest: '/bin' },
      { kind: 'ro-bind', source: '/etc/ssl/certs', dest: '/etc/ssl/certs' },
    ],
    readOnlyPaths: [],
    files: [],
    env: { PATH: '/usr/bin', HOME: '/tmp' },
    tmpSizeBytes: 1000,
    shmSizeBytes: 500,
    identity: { kind: 'root', uid: 1234567 },
    limits: prlimitArgs({ memoryBytes: 1 << 30, cpuSeconds: 7, maxProcesses: 9, maxFileBytes: 1 << 20 }),
    argv: ['python3', 'x.py'],
    ...over,
  };
}

/** The values following each occurrence of `flag`. */
function after(args: string[], flag: string, n = 1): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 1 + n));
  });
  return out;
}

describe('bwrapArgs', () => {
  it('isolates: new namespaces, no network, dies with the parent, new session, empty environment', () => {
    const a = bwrapArgs(plan());
    const sep = a.indexOf('--');
    const opts = a.slice(0, sep);
    for (const f of ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session', '--clearenv']) {
      assert.ok(opts.includes(f), f);
    }
    assert.deepEqual(after(opts, '--setenv', 2), [
      ['PATH', '/usr/bin'],
      ['HOME', '/tmp'],
    ]);
    // Nothing is bound writable, and the root itself is remounted read-only.
    assert.equal(opts.filter((x) => x === '--bind' || x === '--dev-bind').length, 0);
    assert.deepEqual(after(opts, '--remount-ro'), [['/']]);
  });

  it('binds only the system paths and what was asked for, read-only', () => {
    const a = bwrapArgs(plan({ readOnlyPaths: ['/opt/venv', '/usr/lib/x'] }));
    assert.deepEqual(after(a, '--ro-bind', 2), [
      ['/usr', '/usr'],
      ['/etc/ssl/certs', '/etc/ssl/certs'],
      ['/opt/venv', '/opt/venv'],
    ]);
    assert.deepEqual(after(a, '--symlink', 2), [['usr/bin', '/bin']]);
  });

  it('creates missing parents world-readable, so a bind under /root stays reachable', () => {
    const a = bwrapArgs(plan({ readOnlyPaths: ['/root/.pyenv/versions/3.11'] }));
    const dirs = after(a, '--dir').map((x) => x[0]);
    assert.deepEqual(dirs, ['/etc', '/etc/ssl', '/root', '/root/.pyenv', '/root/.pyenv/versions']);
    const i = a.indexOf('/root');
    assert.deepEqual(a.slice(i - 3, i), ['--perms', '0755', '--dir']);
  });

  it('gives a private /tmp and /dev/shm of the given sizes, and places files there', () => {
    const a = bwrapArgs(plan({ files: [{ relPath: 'runner/a.py', fd: 3 }, { relPath: 'p.jsonl', fd: 4 }] }));
    const i = a.indexOf('--tmpfs');
    assert.deepEqual(a.slice(i - 4, i + 2), ['--perms', '1777', '--size', '1000', '--tmpfs', '/tmp']);
    assert.ok(a.join(' ').includes('--size 500 --tmpfs /dev/shm'));
    assert.deepEqual(after(a, '--file', 2), [
      ['3', '/tmp/runner/a.py'],
      ['4', '/tmp/p.jsonl'],
    ]);
    assert.ok(after(a, '--dir').some((d) => d[0] === '/tmp/runner'));
    assert.deepEqual(after(a, '--chdir'), [['/tmp']]);
  });

  it('a root caller drops to its own uid with no capabilities; others get a user namespace', () => {
    const root = bwrapArgs(plan());
    const tail = root.slice(root.indexOf('--') + 1);
    assert.deepEqual(tail.slice(0, 8), [
      'setpriv',
      '--reuid=1234567',
      '--regid=1234567',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    ]);
    assert.ok(!root.includes('--unshare-user'));
    const user = bwrapArgs(plan({ identity: { kind: 'userns', disableNestedUserns: true } }));
    assert.ok(user.includes('--unshare-user') && user.includes('--disable-userns'));
    assert.ok(!user.includes('setpriv'));
  });

  it('applies the limits through prlimit right before the command', () => {
    const a = bwrapArgs(plan());
    const k = a.indexOf('prlimit');
    assert.deepEqual(a.slice(k), [
      'prlimit',
      `--as=${1 << 30}`,
      '--cpu=7',
      '--nproc=9',
      `--fsize=${1 << 20}`,
      '--core=0',
      '--',
      'python3',
      'x.py',
    ]);
  });
});

describe('sandbox paths', () => {
  it('refuses workdir paths that leave the workdir', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', '.']) assert.throws(() => checkWorkdirPath(bad), /relative path/);
    assert.equal(checkWorkdirPath('a/./b.py'), 'a/b.py');
  });

  it('refuses binds that would hide the sandbox own mounts', () => {
    for (const bad of ['/', '/proc', '/dev/shm', '/tmp', 'relative']) assert.throws(() => checkReadOnlyPath(bad));
    assert.throws(() => checkReadOnlyPath('/nonexistent/fait'), /does not exist/);
  });

  it('never exposes HOME, the repository or /etc wholesale', () => {
    const dests = systemMounts().map((m) => m.dest);
    assert.ok(!dests.includes('/etc'));
    assert.ok(!dests.includes('/etc/shadow'));
    for (const d of dests) {
      assert.ok(!d.startsWith('/root') && !d.startsWith('/home') && !d.startsWith(process.cwd()), d);
    }
  });
});
