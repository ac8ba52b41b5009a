/**
 * Our verdicts against the reference: the same samples file is checked by our stage and by
 * `evalplus.evaluate` run directly (a subprocess, on a dataset file holding exactly the sampled
 * tasks), and every sample's base and plus status must be the same. The samples are canonical
 * solutions and mutants of them: a flipped comparison, wrong or raising from the Nth call on (so
 * the base tests pass and the plus tests fail), a syntax error and an endless loop.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluateBatch, loadBenchmark, runEvalplusReference, type RawSample } from '../../evaluation';
import { CACHE_DIR, cannotEvaluate, flipComparison, raisesFromCall, wrongFromCall } from './helpers';

const TASKS = {
  'humaneval+': [0, 2, 3, 4, 7, 8, 11, 12, 13, 23, 24, 26, 29, 30, 34, 35, 42, 45, 48, 52, 53, 55, 60, 63].map((i) => `HumanEval/${i}`),
  'mbpp+': [2, 3, 4, 6, 7, 8, 9, 11, 12, 14, 16, 17, 18, 19, 20, 56, 57, 58, 59, 62].map((i) => `Mbpp/${i}`),
};

describe('agreement with evalplus.evaluate', { skip: cannotEvaluate() }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fait-agreement-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ['humaneval+', 'mbpp+'] as const) {
    it(`${name}: same base and plus status for every sample`, { timeout: 900_000 }, async () => {
      const bench = loadBenchmark(name);
      const samples: RawSample[] = [];
      TASKS[name].forEach((id, k) => {
        const p = bench.byId.get(id)!;
        samples.push({ task_id: id, solution: p.canonicalProgram });
        const flipped = flipComparison(p);
        if (flipped) samples.push({ task_id: id, solution: flipped });
        samples.push({ task_id: id, solution: wrongFromCall(p, 12) });
        samples.push({ task_id: id, solution: raisesFromCall(p, 20) });
        if (k === 0) samples.push({ task_id: id, solution: p.canonicalProgram.replace(/:\s*\n/, '\n') });
        if (k === 1) samples.push({ task_id: id, solution: `${p.canonicalProgram}\n\ndef ${p.entryPoint}(*a):\n    while True:\n        pass\n` });
      });

      const work = path.join(dir, name);
      const datasetFile = path.join(work, 'dataset.jsonl');
      const rows = TASKS[name].map((id) => bench.byId.get(id)!.raw);
      mkdirSync(work, { recursive: true });
      writeFileSync(datasetFile, rows.join('\n') + '\n');
      const ref = await runEvalplusReference({
        dataset: bench.spec.dataset as 'humaneval' | 'mbpp',
        datasetFile,
        samples,
        workDir: work,
        home: path.join(work, 'home'),
        parallel: 2,
      });

      const ours = await evaluateBatch({
        benchmark: name,
        samples: samples.map((s) => ({ taskId: s.task_id, program: s.solution! })),
        cacheDir: CACHE_DIR,
      });

      const disagreements: string[] = [];
      let basePassPlusFail = 0;
      for (const v of ours) {
        const r = ref.statuses.get(v.taskId)?.[v.sampleIndex];
        assert.ok(r, `evalplus has no result for ${v.taskId} #${v.sampleIndex}`);
        const mine = { base: v.base.status, plus: v.plus?.status ?? null };
        if (mine.base !== r.base || mine.plus !== r.plus) {
          disagreements.push(`${v.taskId} #${v.sampleIndex}: ours ${JSON.stringify(mine)} (${v.category}: ${v.base.detail ?? v.plus?.detail}), evalplus ${JSON.stringify(r)}`);
        }
        if (r.base === 'pass' && r.plus !== 'pass') basePassPlusFail++;
      }
      assert.deepEqual(disagreements, []);
      assert.equal(ours.length, samples.length);
      // The set really has partially wrong samples, failing ones and passing ones.
      assert.ok(basePassPlusFail >= 5, `only ${basePassPlusFail} base-pass/plus-fail samples`);
      assert.ok(ours.filter((v) => v.passed).length >= TASKS[name].length);
      const cats = new Set(ours.map((v) => v.category).filter(Boolean));
      for (const c of ['wrong_answer', 'exception', 'syntax_error', 'timeout']) assert.ok(cats.has(c as never), `no ${c} sample`);
    });
  }
});
