/**
 * Hostile "solutions" through the real stage (evalplus's checker in bwrap lanes). Each must be
 * contained and counted as a failure of the right category, the host's files must be intact, no
 * process may survive, and the evaluator must keep going: every hostile sample is followed by a
 * normal one that has to pass. The solutions bypass the harness's own guards (os.fork = None and
 * so on) through `posix` and ctypes, so the sandbox is what stops them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluateBatch, loadBenchmark, type FailureCategory, type SampleVerdict } from '../../evaluation';
import { repoRoot } from '../../evaluation/dataFiles';
import { CACHE_DIR, cannotEvaluate } from './helpers';

const MARKER = 'sleep 31337';

function hostProcessesMatching(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

/** Processes of the sandbox uids (root callers run each sandbox as its own uid >= 1.9e9). */
function sandboxUidProcesses(): string[] {
  const out = execFileSync('ps', ['-e', '-o', 'uid=,pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => Number(l.trim().split(/\s+/)[0]) >= 1_900_000_000);
}

describe('hostile solutions', { skip: cannotEvaluate() }, () => {
  let scratch: string;
  let home: string;
  let project: string;
  let server: Server;
  let port = 0;
  let connections = 0;
  const savedKey = process.env.OPENAI_API_KEY;

  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'fait-hostile-'));
    home = path.join(scratch, 'home');
    project = path.join(scratch, 'project');
    for (const d of [home, path.join(project, '.fait')]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(home, 'canary.txt'), 'home canary\n');
    writeFileSync(path.join(project, 'canary.txt'), 'project canary\n');
    writeFileSync(path.join(project, '.fait', 'state.json'), '{"canary": true}\n');
    process.env.OPENAI_API_KEY = 'sk-fait-fake-key-0123456789';
    server = createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  after(() => {
    server.close();
    rmSync(scratch, { recursive: true, force: true });
    if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = savedKey;
  });

  it('are contained, fail with the right category, and the evaluator keeps going', { timeout: 600_000 }, async () => {
    const bench = loadBenchmark('humaneval+');
    const head = 'def has_close_elements(numbers, threshold):\n';
    const fn = (body: string) => head + body.split('\n').map((l) => '    ' + l).join('\n') + '\n';
    const paths = JSON.stringify([home, project, path.join(project, '.fait'), repoRoot()]);
    const hostile: [string, string, FailureCategory[]][] = [
      ['fork bomb', 'import posix\nwhile True:\n    posix.fork()', ['resource_limit']],
      ['infinite loop', 'while True:\n    pass', ['timeout']],
      ['memory bomb', 'x = bytearray(1 << 40)\nreturn x', ['resource_limit']],
      [
        'delete the home and project folders',
        `import posix\nfor d in ${paths}:\n    for n in posix.listdir(d):\n        posix.unlink(d + "/" + n)\nreturn False`,
        ['exception'],
      ],
      [
        'read API keys from the environment and /proc',
        `import os, io\nseen = repr(dict(os.environ))\nfor pid in os.listdir("/proc"):\n    if pid.isdigit():\n        try:\n            seen += io.FileIO("/proc/" + pid + "/environ").read().decode()\n        except OSError:\n            pass\nif "sk-fait" in seen:\n    raise RuntimeError("LEAKED")\nreturn "no key here"`,
        ['wrong_answer'],
      ],
      ['open a network socket', `import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=3)\nreturn False`, ['exception']],
      ['reach the outside', 'import socket\nsocket.create_connection(("1.1.1.1", 53), timeout=3)\nreturn False', ['needs_network']],
      ['write outside /tmp', `import posix\nposix.open("${project}/pwned", posix.O_CREAT | posix.O_WRONLY)\nreturn False`, ['exception']],
      ['write to /usr', 'import posix\nposix.open("/usr/pwned", posix.O_CREAT | posix.O_WRONLY)\nreturn False', ['exception']],
      ['kill the parent process', 'import ctypes, os\nctypes.CDLL(None).kill(os.getppid(), 9)\nreturn False', ['exception']],
      ['kill -9 -1', 'import ctypes\nctypes.CDLL(None).kill(-1, 9)\nreturn False', ['exception']],
      [
        'setsid and a background process',
        `import posix\nposix.setsid()\nposix.posix_spawn("/bin/sh", ["sh", "-c", "${MARKER}"], {})\nreturn False`,
        ['wrong_answer'],
      ],
      ['print gigabytes', 'import os\nwhile True:\n    os.write(1, b"x" * (1 << 20))', ['output_limit']],
      ['print gigabytes to stderr', 'import sys\nwhile True:\n    sys.__stderr__.write("y" * (1 << 20))', ['output_limit']],
    ];
    const normal = bench.byId.get('HumanEval/1')!.canonicalProgram;
    const samples = hostile.flatMap(([, body]) => [
      { taskId: 'HumanEval/0', program: fn(body) },
      { taskId: 'HumanEval/1', program: normal },
    ]);

    const verdicts: SampleVerdict[] = await evaluateBatch({ benchmark: 'humaneval+', samples, cacheDir: CACHE_DIR, parallelism: 2 });

    const wrong: string[] = [];
    hostile.forEach(([name, , categories], k) => {
      const v = verdicts[2 * k];
      if (v.passed || !categories.includes(v.category!)) {
        wrong.push(`${name}: passed=${v.passed} category=${v.category} (${v.base.detail}) expected ${categories.join('|')}`);
      }
      const next = verdicts[2 * k + 1];
      if (!next.passed) wrong.push(`the normal sample after "${name}" failed: ${next.category} ${next.base.detail}`);
    });
    assert.deepEqual(wrong, []);

    assert.equal(readFileSync(path.join(home, 'canary.txt'), 'utf8'), 'home canary\n');
    assert.equal(readFileSync(path.join(project, 'canary.txt'), 'utf8'), 'project canary\n');
    assert.equal(readFileSync(path.join(project, '.fait', 'state.json'), 'utf8'), '{"canary": true}\n');
    assert.deepEqual(readdirSync(project).sort(), ['.fait', 'canary.txt']);
    assert.ok(readdirSync(repoRoot()).includes('package.json'));
    assert.equal(connections, 0);
    assert.deepEqual(hostProcessesMatching(MARKER), []);
    assert.deepEqual(sandboxUidProcesses(), []);
  });
});
