/**
 * Samples in EvalPlus's format: JSON lines of {task_id, solution} (a whole program) or
 * {task_id, completion} (appended to the task's prompt, as evalplus.evaluate and
 * bigcodebench.evaluate do). BigCodeBench samples may come from either prompt split; a
 * `completion` always continues `complete_prompt`.
 */
import type { LoadedBenchmark } from './problems';

export interface RawSample {
  task_id: string;
  solution?: string;
  completion?: string;
}

/** One program to check: what evaluateBatch takes. */
export interface ProgramSample {
  taskId: string;
  program: string;
  /** Position among the samples of the same task; assigned in file order when left out. */
  sampleIndex?: number;
}

export function parseSamplesJsonl(text: string, source = 'samples'): RawSample[] {
  const out: RawSample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(`${source}: line ${i + 1} is not valid JSON (${(e as Error).message})`);
    }
    const r = row as Record<string, unknown>;
    if (typeof r.task_id !== 'string') throw new Error(`${source}: line ${i + 1} has no string task_id`);
    if (typeof r.solution !== 'string' && typeof r.completion !== 'string') {
      throw new Error(`${source}: line ${i + 1} (${r.task_id}) has neither a string "solution" nor a "completion"`);
    }
    out.push({
      task_id: r.task_id,
      ...(typeof r.solution === 'string' ? { solution: r.solution } : {}),
      ...(typeof r.completion === 'string' ? { completion: r.completion } : {}),
    });
  });
  return out;
}

/** Programs for the benchmark, numbered per task in file order; unknown task ids are an error. */
export function toProgramSamples(samples: readonly RawSample[], bench: LoadedBenchmark): ProgramSample[] {
  const seen = new Map<string, number>();
  return samples.map((s) => {
    const problem = bench.byId.get(s.task_id);
    if (!problem) throw new Error(`sample for ${s.task_id}, which is not a task of ${bench.spec.name}`);
    const sampleIndex = seen.get(s.task_id) ?? 0;
    seen.set(s.task_id, sampleIndex + 1);
    const program = s.solution ?? problem.prompt + s.completion!;
    return { taskId: s.task_id, program, sampleIndex };
  });
}

/** The canonical solutions as samples: the harnesses' own sanity check. */
export function canonicalSamples(bench: LoadedBenchmark, taskIds?: readonly string[]): ProgramSample[] {
  const problems = taskIds
    ? taskIds.map((id) => {
        const p = bench.byId.get(id);
        if (!p) throw new Error(`${id} is not a task of ${bench.spec.name}`);
        return p;
      })
    : bench.problems;
  return problems.map((p) => ({ taskId: p.taskId, program: p.canonicalProgram, sampleIndex: 0 }));
}
