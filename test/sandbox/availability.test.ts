import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertSandboxMode, resetSandboxSupport, sandboxAvailable, sandboxSupport, SandboxUnavailableError } from '../../sandbox/availability';
import { runSandboxed } from '../../sandbox';

describe('sandbox availability', () => {
  afterEach(() => {
    delete process.env.FAIT_BWRAP;
    resetSandboxSupport();
  });

  it('without bwrap, mode bwrap refuses with install instructions, mode none still runs', async () => {
    process.env.FAIT_BWRAP = '/nonexistent/bwrap';
    resetSandboxSupport();
    assert.equal(sandboxAvailable(), false);
    assert.throws(
      () => assertSandboxMode('bwrap'),
      (e: unknown) =>
        e instanceof SandboxUnavailableError &&
        /bwrap was not found/.test(e.message) &&
        /apt-get install bubblewrap/.test(e.message) &&
        /sandbox: none/.test(e.message),
    );
    await assert.rejects(
      () => runSandboxed({ argv: ['true'], timeoutMs: 1000, memoryMb: 64, cpuSeconds: 1, maxProcesses: 8, maxOutputBytes: 100 }),
      SandboxUnavailableError,
    );
    const r = await runSandboxed({ mode: 'none', argv: ['echo', 'ok'], timeoutMs: 5000, memoryMb: 256, cpuSeconds: 5, maxProcesses: 1000, maxOutputBytes: 100 });
    assert.equal(r.stdout, 'ok\n');
    assert.equal(r.isolated, false);
  });

  it('a bwrap that cannot create namespaces counts as unavailable', () => {
    process.env.FAIT_BWRAP = '/bin/false';
    resetSandboxSupport();
    const s = sandboxSupport();
    assert.equal(s.available, false);
    assert.match(s.reason ?? '', /failed to start a sandbox/);
  });

  it('reports how it isolates on this machine', () => {
    const s = sandboxSupport();
    if (!s.available) return;
    assert.ok(s.identity === 'root' ? process.getuid?.() === 0 : s.identity === 'userns');
  });
});
