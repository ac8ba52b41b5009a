/**
 * The real sandbox (bubblewrap): what a command inside can see, change and reach, and the limits.
 * Every test ends by checking that nothing it started is still running on the host.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSandboxed, sandboxAvailable, startSandboxed, type SandboxOptions } from '../../sandbox';

const LIMITS = { timeoutMs: 20_000, memoryMb: 512, cpuSeconds: 10, maxProcesses: 32, maxOutputBytes: 1 << 20 };
const sh = (script: string, over: Partial<SandboxOptions> = {}) => runSandboxed({ ...LIMITS, argv: ['sh', '-c', script], ...over });

/** Host processes whose command line contains `marker`. */
function hostProcesses(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

describe('sandbox (bwrap)', { skip: !sandboxAvailable() && 'bubblewrap is not usable here' }, () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'fait-sandbox-test-'));
    writeFileSync(path.join(scratch, 'canary.txt'), 'canary\n');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs a command with stdin, files in its private /tmp and a minimal environment', async () => {
    process.env.FAIT_TEST_SECRET = 'sk-test-should-not-leak';
    try {
      const r = await sh('cat in/a.txt; cat; echo "$PWD $HOME"; env | sort | cut -d= -f1 | tr "\\n" " "; echo; cat /proc/self/environ /proc/1/environ 2>/dev/null | tr "\\0" "\\n" | grep -c sk-test || true', {
        stdin: 'from stdin\n',
        files: { 'in/a.txt': 'from a file\n' },
      });
      assert.equal(r.exitCode, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.deepEqual(lines.slice(0, 3), ['from a file', 'from stdin', '/tmp /tmp']);
      assert.equal(lines[3].trim(), 'HOME LANG PATH PWD TMPDIR');
      assert.equal(lines[4], '0');
      assert.equal(r.isolated, true);
      assert.equal(r.mode, 'bwrap');
    } finally {
      delete process.env.FAIT_TEST_SECRET;
    }
  });

  it('does not run as root and sees none of the host: repository, HOME, state folder, /etc secrets', async () => {
    const r = await sh(
      `id -u; for p in "${process.cwd()}" "${scratch}" /root /home /etc/shadow /var; do test -e "$p" && echo "visible $p"; done; ls /`,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.notEqual(r.stdout.split('\n')[0], '0');
    assert.doesNotMatch(r.stdout, /visible/);
  });

  it('can write only its private /tmp, which vanishes with it', async () => {
    const r = await sh(
      `echo x > /tmp/ok && echo tmp-ok; for p in /usr/x /etc/x /x "${scratch}/x" /dev/shm/../x; do (echo x > "$p") 2>/dev/null && echo "wrote $p"; done; rm -f /usr/bin/sh 2>/dev/null && echo removed`,
    );
    assert.match(r.stdout, /tmp-ok/);
    assert.doesNotMatch(r.stdout, /wrote|removed/);
    assert.equal(readFileSync(path.join(scratch, 'canary.txt'), 'utf8'), 'canary\n');
    const again = await sh('test -e /tmp/ok && echo leftover || echo clean');
    assert.equal(again.stdout.trim(), 'clean');
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    before(async () => {
      server = createServer((c) => {
        connections++;
        c.destroy();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    after(() => server.close());

    it('has no network: the host loopback and the outside are unreachable', async () => {
      const code = `import socket
for addr in [("127.0.0.1", ${port}), ("1.1.1.1", 80)]:
    try:
        socket.create_connection(addr, timeout=3).close()
        print("connected", addr)
    except OSError as e:
        print("refused", type(e).__name__)`;
      const r = await runSandboxed({ ...LIMITS, argv: ['python3', '-c', code] });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /connected/);
      assert.equal(connections, 0);
    });
  });

  it('kills the whole process tree at the wall-clock limit, setsid()ed children included', async () => {
    const marker = 'sleep 31341';
    const r = await sh(`setsid ${marker} & (${marker} &) ; while :; do :; done`, { timeoutMs: 1500 });
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs < 10_000);
    assert.deepEqual(hostProcesses(marker), []);
  });

  it('leaves nothing behind when a background process outlives the command', async () => {
    const marker = 'sleep 31342';
    const r = await sh(`setsid ${marker} > /dev/null 2>&1 < /dev/null & echo started`);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.trim(), 'started');
    assert.deepEqual(hostProcesses(marker), []);
  });

  it('stops reading and kills the sandbox past the output limit', async () => {
    const r = await sh('yes fait', { maxOutputBytes: 100_000 });
    assert.equal(r.outputLimited, true);
    assert.equal(r.stdout.length, 100_000);
  });

  it('limits address space, CPU time, file size and processes', async () => {
    const mem = await runSandboxed({ ...LIMITS, memoryMb: 256, argv: ['python3', '-c', 'bytearray(1 << 30)'] });
    assert.notEqual(mem.exitCode, 0);
    assert.match(mem.stderr, /MemoryError/);

    const cpu = await sh('while :; do :; done', { cpuSeconds: 1 });
    assert.equal(cpu.timedOut, false);
    assert.ok(cpu.signal === 'SIGXCPU' || cpu.signal === 'SIGKILL', String(cpu.signal));

    const fsize = await sh('head -c 5000000 /dev/zero > /tmp/big', { maxFileMb: 1 });
    assert.notEqual(fsize.exitCode, 0);

    const marker = 'sleep 31343';
    const procs = await sh(`n=0; while [ $n -lt 100 ]; do ${marker} & n=$((n+1)); done 2>/dev/null; sleep 0.5; ps -e | grep -c "sleep"`, {
      maxProcesses: 20,
    });
    assert.ok(Number(procs.stdout.trim()) < 20, procs.stdout);
    assert.deepEqual(hostProcesses(marker), []);
  });

  it('contains a fork bomb and kill -9 -1; the host keeps running', async () => {
    const bomb = await sh('b() { b | b & }; b; sleep 2', { maxProcesses: 30, timeoutMs: 3000 });
    assert.ok(bomb.timedOut || bomb.exitCode !== null);
    // kill(-1) reaches every process the caller may signal: inside, only the sandbox's own.
    const killAll = await sh('sleep 31344 & sleep 31344 & kill -9 -1; sleep 0.3; ps -e -o comm= | grep -c "^sleep$"');
    assert.equal(killAll.stdout.trim(), '0');
    assert.ok(process.pid > 0 && existsSync(`/proc/${process.pid}`));
    const later = await sh('echo fine');
    assert.equal(later.stdout, 'fine\n');
  });

  it('lets the caller keep stdin open and kill the sandbox', async () => {
    const p = startSandboxed({ ...LIMITS, argv: ['sh', '-c', 'while read l; do echo "got $l"; done'] });
    p.write('one\n');
    await new Promise((r) => setTimeout(r, 300));
    p.kill();
    const r = await p.result;
    assert.equal(r.killed, true);
    assert.equal(r.stdout, 'got one\n');
  });
});

describe('sandbox: none', () => {
  it('applies the limits without isolation and says so', async () => {
    const r = await sh('echo "$HOME"; head -c 5000000 /dev/zero > big; echo $?', { mode: 'none', maxFileMb: 1 });
    assert.equal(r.isolated, false);
    assert.match(r.warning ?? '', /without isolation/);
    const [home] = r.stdout.split('\n');
    assert.match(home, /fait-sandbox-/);
    assert.equal(existsSync(home), false); // its scratch folder is removed afterwards
    assert.notEqual(r.stdout.split('\n')[1], '0');
    const t = await sh('while :; do :; done', { mode: 'none', timeoutMs: 500 });
    assert.equal(t.timedOut, true);
  });
});
