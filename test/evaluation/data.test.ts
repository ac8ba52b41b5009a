import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  benchmarkSpec,
  canonicalSamples,
  DataFileError,
  loadBenchmark,
  parseSamplesJsonl,
  planBenchmarkRuns,
  readVerifiedDataFile,
  resolveDataDir,
  toProgramSamples,
} from '../../evaluation';
import { cannotEvaluate } from './helpers';

describe('benchmark data', () => {
  it('resolves the data folder from FAIT_DATA_DIR, else ../shared/data next to the repository', () => {
    const saved = process.env.FAIT_DATA_DIR;
    try {
      process.env.FAIT_DATA_DIR = '/some/where';
      assert.equal(resolveDataDir(), '/some/where');
      delete process.env.FAIT_DATA_DIR;
      assert.equal(resolveDataDir(), path.resolve(__dirname, '../../../../shared/data'));
      assert.equal(resolveDataDir('/explicit'), '/explicit');
    } finally {
      if (saved === undefined) delete process.env.FAIT_DATA_DIR;
      else process.env.FAIT_DATA_DIR = saved;
    }
  });

  it('refuses a file whose sha256 differs from SHA256SUMS, naming the file and the expected hash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fait-data-'));
    try {
      const good = gzipSync(Buffer.from('{"task_id": "x"}\n'));
      const expected = createHash('sha256').update(good).digest('hex');
      writeFileSync(path.join(dir, 'SHA256SUMS'), `${expected}  HumanEvalPlus-v0.1.10.jsonl.gz\n`);
      writeFileSync(path.join(dir, 'HumanEvalPlus-v0.1.10.jsonl.gz'), good);
      assert.equal(readVerifiedDataFile(dir, 'HumanEvalPlus-v0.1.10.jsonl.gz').sha256, expected);
      writeFileSync(path.join(dir, 'HumanEvalPlus-v0.1.10.jsonl.gz'), gzipSync(Buffer.from('{"task_id": "y"}\n')));
      assert.throws(
        () => readVerifiedDataFile(dir, 'HumanEvalPlus-v0.1.10.jsonl.gz'),
        (e: unknown) => e instanceof DataFileError && e.message.includes('HumanEvalPlus-v0.1.10.jsonl.gz') && e.message.includes(`expected sha256 ${expected}`),
      );
      assert.throws(() => readVerifiedDataFile(dir, 'MbppPlus-v0.2.0.jsonl.gz'), /is missing/);
      assert.throws(() => loadBenchmark('mbpp', { dataDir: path.join(dir, 'nowhere') }), /is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps benchmark names to files and tests the way EvalPlus does', () => {
    assert.equal(benchmarkSpec('humaneval').file, benchmarkSpec('humaneval+').file);
    assert.equal(benchmarkSpec('humaneval').plus, false);
    assert.equal(benchmarkSpec('humaneval+').plus, true);
    assert.equal(benchmarkSpec('mbpp').file, 'MbppPlus-v0.2.0.jsonl.gz');
    assert.equal(benchmarkSpec('bigcodebench-hard').family, 'bigcodebench');
    assert.throws(() => benchmarkSpec('humaneval++'), /known: humaneval, humaneval\+, mbpp/);
    assert.deepEqual(
      planBenchmarkRuns(['humaneval', 'mbpp+', 'humaneval+']).map((r) => [r.run.name, r.report]),
      [
        ['humaneval+', ['humaneval', 'humaneval+']],
        ['mbpp+', ['mbpp+']],
      ],
    );
  });

  it('parses EvalPlus samples files, solutions or completions', () => {
    const s = parseSamplesJsonl('{"task_id": "HumanEval/0", "solution": "a"}\n\n{"task_id": "HumanEval/0", "completion": "b"}\n');
    assert.equal(s.length, 2);
    assert.throws(() => parseSamplesJsonl('{"task_id": 1}'), /line 1 has no string task_id/);
    assert.throws(() => parseSamplesJsonl('{"task_id": "x"}'), /neither/);
    assert.throws(() => parseSamplesJsonl('nope'), /not valid JSON/);
  });

  describe('the shared data folder', { skip: cannotEvaluate() }, () => {
    it('loads every benchmark, sha256-checked, with its task count', () => {
      for (const [name, n] of [
        ['humaneval+', 164],
        ['mbpp+', 378],
        ['bigcodebench', 1140],
        ['bigcodebench-hard', 148],
      ] as const) {
        const b = loadBenchmark(name);
        assert.equal(b.problems.length, n, name);
        assert.match(b.sha256, /^[0-9a-f]{64}$/);
      }
      const bcb = loadBenchmark('bigcodebench');
      assert.deepEqual(bcb.byId.get('BigCodeBench/0')!.libs, ['random', 'itertools']);
    });

    it('turns completions into programs by prefixing the prompt', () => {
      const b = loadBenchmark('humaneval+');
      const p = b.byId.get('HumanEval/0')!;
      const [a, c] = toProgramSamples(
        [
          { task_id: 'HumanEval/0', solution: 'S' },
          { task_id: 'HumanEval/0', completion: '    return 1\n' },
        ],
        b,
      );
      assert.deepEqual([a.program, a.sampleIndex, c.sampleIndex], ['S', 0, 1]);
      assert.equal(c.program, p.prompt + '    return 1\n');
      assert.throws(() => toProgramSamples([{ task_id: 'Mbpp/2', solution: '' }], b), /not a task of humaneval\+/);
      assert.equal(canonicalSamples(b).length, 164);
    });
  });
});
