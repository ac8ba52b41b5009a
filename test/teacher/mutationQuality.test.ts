/**
 * Quality acceptance of the offline mutation teacher on the bundled example tasks
 * (examples/python-tasks.jsonl: small Python functions with tests written for them):
 *   * at least 90% of the plain seed-0 variants fail the task's tests;
 *   * every variant parses with CPython (the seed-0 variants, and every variant the teacher could make).
 * The figures are printed; the verified-incorrect retry (up to 5 variants) is reported too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MUTATION_KINDS, enumerateMutations, mutateResponse, mutateVerified } from '../../teacher/mutation';
import { cpythonSyntaxErrors, extractCode, loadExampleTasks, runTestsInPython } from './mutationTasks';

const TIMEOUT_S = 5;
const RETRY_ATTEMPTS = 5;

function percent(n: number, of: number): string {
  return `${n}/${of} (${((100 * n) / of).toFixed(1)}%)`;
}

test('mutation teacher on the example tasks: >= 90% of seed-0 variants fail their tests, all variants parse', { timeout: 900_000 }, async () => {
  const tasks = loadExampleTasks();
  assert.equal(tasks.length, 100);

  const plain = tasks.map((t) => mutateResponse(t.response, 0));
  const missing = plain.flatMap((o, i) => (o.ok ? [] : [`${tasks[i].id}: ${o.reason}`]));
  assert.deepEqual(missing, [], 'every task gets a variant');
  const variants = plain.map((o) => (o.ok ? o : assert.fail()));

  // Every variant parses with CPython, and changed only code.
  const codes = variants.map((v) => extractCode(v.incorrect));
  const syntax = await cpythonSyntaxErrors(codes);
  const unparsable = syntax.flatMap((e, i) => (e ? [`${tasks[i].id}: ${e}`] : []));

  // Run each variant's code + the task's tests in `python3 -I`.
  const results = await runTestsInPython(codes.map((code, i) => ({ code, tests: tasks[i].tests })), TIMEOUT_S);
  const cache = new Map<string, boolean>();
  results.forEach((r, i) => cache.set(variants[i].incorrect, !r.passed));
  const failing = results.filter((r) => !r.passed).length;
  const survivors = results.flatMap((r, i) => (r.passed ? [`${tasks[i].id} ${variants[i].mutation.kind}: ${variants[i].mutation.description}`] : []));

  // The verified-incorrect retry, as the teacher offers it: seeds 0..4 until a variant fails the tests.
  let verified = 0;
  let attempts = 0;
  for (const [i, task] of tasks.entries()) {
    const outcome = await mutateVerified(task.response, {
      seed: 0,
      attempts: RETRY_ATTEMPTS,
      isIncorrect: async (incorrect) => {
        const known = cache.get(incorrect);
        if (known !== undefined) return known;
        const [r] = await runTestsInPython([{ code: extractCode(incorrect), tests: task.tests }], TIMEOUT_S);
        cache.set(incorrect, !r.passed);
        return !r.passed;
      },
    });
    attempts += outcome.attempts;
    if (outcome.ok) verified++;
    else console.log(`  not verified: ${tasks[i].id}: ${outcome.reason}`);
  }

  // Every variant the teacher could produce (all sites, all alternatives) parses too.
  const everything = tasks.flatMap((t) => {
    const e = enumerateMutations(t.response);
    return e.ok ? e.variants.map((v) => extractCode(v.incorrect)) : [];
  });
  const allSyntax = await cpythonSyntaxErrors(everything);
  const allUnparsable = allSyntax.filter((e) => e !== null).length;

  const kinds = Object.fromEntries(MUTATION_KINDS.map((k) => [k, variants.filter((v) => v.mutation.kind === k).length]));
  console.log('mutation teacher on examples/python-tasks.jsonl:');
  console.log(`  seed-0 variants failing their tests: ${percent(failing, tasks.length)}`);
  for (const s of survivors) console.log(`    survived: ${s}`);
  console.log(`  with verified-incorrect retry (up to ${RETRY_ATTEMPTS} variants): ${percent(verified, tasks.length)}, ${attempts} variants tried`);
  console.log(`  seed-0 variants parsing with CPython: ${percent(tasks.length - unparsable.length, tasks.length)}`);
  console.log(`  all ${everything.length} possible variants parsing with CPython: ${percent(everything.length - allUnparsable, everything.length)}`);
  console.log(`  seed-0 kinds: ${JSON.stringify(kinds)}`);

  assert.deepEqual(unparsable, []);
  assert.equal(allUnparsable, 0);
  assert.ok(failing >= 90, `only ${percent(failing, tasks.length)} of the seed-0 variants fail their tests`);
  assert.ok(verified >= failing);
});
