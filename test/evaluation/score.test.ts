import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarkSpec, estimatePassAtK, scoreVerdicts, type SampleVerdict } from '../../evaluation';
import { combineOutcomes, type TestOutcome } from '../../evaluation/verdicts';

const pass: TestOutcome = { status: 'pass', harnessStatus: 'pass' };
const fail = (category: TestOutcome['category'], module?: string): TestOutcome => ({
  status: 'fail',
  harnessStatus: 'fail',
  category,
  ...(module ? { module } : {}),
});
const v = (task: string, i: number, base: TestOutcome, plus?: TestOutcome): SampleVerdict => combineOutcomes(task, i, base, plus, 1);

describe('pass@k', () => {
  it('is the unbiased estimator 1 - C(n-c, k) / C(n, k)', () => {
    assert.equal(estimatePassAtK(5, 0, 1), 0);
    assert.equal(estimatePassAtK(5, 5, 1), 1);
    // Doubles: a product of <= k ratios of integers <= n, each correctly rounded: error <= ~k * 1.1e-16, far below 1e-12.
    assert.ok(Math.abs(estimatePassAtK(5, 2, 1) - 0.4) < 1e-12);
    // 1 - C(8,2)/C(10,2) = 1 - 28/45
    assert.ok(Math.abs(estimatePassAtK(10, 2, 2) - (1 - 28 / 45)) < 1e-12);
    assert.equal(estimatePassAtK(3, 2, 2), 1);
  });

  it('scores base and base+plus separately, as evalplus prints them', () => {
    const spec = benchmarkSpec('humaneval+');
    const s = scoreVerdicts(spec, [
      v('A', 0, pass, pass),
      v('A', 1, pass, fail('wrong_answer')),
      v('B', 0, fail('syntax_error'), fail('syntax_error')),
      v('B', 1, pass, pass),
    ]);
    assert.deepEqual(s.base, { 'pass@1': 0.75 });
    assert.deepEqual(s.plus, { 'pass@1': 0.5 });
    assert.equal(s.categories.wrong_answer, 1);
    assert.equal(s.categories.syntax_error, 1);
    assert.equal(s.tasks, 2);
  });

  it('counts BigCodeBench samples that lack a library or the network as failures, as bigcodebench does', () => {
    const spec = benchmarkSpec('bigcodebench');
    const verdicts = [
      v('A', 0, pass),
      v('B', 0, fail('missing_library', 'pandas')),
      v('C', 0, fail('exception')),
      v('BigCodeBench/10', 0, fail('needs_network')),
      v('BigCodeBench/2', 0, fail('needs_network')),
    ];
    const s = scoreVerdicts(spec, verdicts);
    assert.equal(s.tasks, 5);
    assert.deepEqual(s.base, { 'pass@1': 1 / 5 });
    assert.equal(s.plus, undefined);
    assert.equal(s.excludedMissingLibraries, false);
    assert.deepEqual(s.excluded, { samples: 0, tasks: 0, modules: {} });
    assert.deepEqual(s.missingModules, { pandas: 1 });
    assert.deepEqual(s.needsNetwork, ['BigCodeBench/2', 'BigCodeBench/10']);

    // Opt-in: missing libraries leave the denominator; network failures stay failures.
    const opt = scoreVerdicts(spec, verdicts, { excludeMissingLibraries: true });
    assert.equal(opt.excludedMissingLibraries, true);
    assert.equal(opt.tasks, 4);
    assert.deepEqual(opt.base, { 'pass@1': 1 / 4 });
    assert.deepEqual(opt.excluded, { samples: 1, tasks: 1, modules: { pandas: 1 } });
  });

  it('a sample takes the category of its first failing part', () => {
    const x = v('A', 0, pass, fail('timeout'));
    assert.equal(x.passed, false);
    assert.equal(x.category, 'timeout');
    const y = v('A', 0, fail('exception'), fail('timeout'));
    assert.equal(y.category, 'exception');
  });
});
