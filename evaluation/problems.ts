/**
 * Benchmark problems as the TypeScript side needs them (ids, prompts, canonical programs), each
 * with its source line kept verbatim: the runners re-read those lines with the harness's own
 * loader, so inputs the JSON of JavaScript cannot represent (NaN, Infinity, big integers) reach
 * evalplus exactly as published.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { benchmarkSpec, type BenchmarkSpec } from './benchmarks';
import { DataFileError, readVerifiedDataFile, resolveDataDir } from './dataFiles';

export interface Problem {
  taskId: string;
  /** Position in the data file. */
  index: number;
  /** The prompt a completion continues: `prompt` (EvalPlus) or `complete_prompt` (BigCodeBench). */
  prompt: string;
  entryPoint: string;
  /** The canonical solution as a whole program, the way the harness runs it. */
  canonicalProgram: string;
  /** BigCodeBench: libraries the task uses. */
  libs?: string[];
  /** The data file's line for this task, verbatim. */
  raw: string;
}

export interface LoadedBenchmark {
  spec: BenchmarkSpec;
  dataDir: string;
  path: string;
  sha256: string;
  problems: Problem[];
  byId: Map<string, Problem>;
}

const cache = new Map<string, { key: string; loaded: Omit<LoadedBenchmark, 'spec'> }>();

/** Loads (and sha256-checks) a benchmark's data file; cached per file while it is unchanged. */
export function loadBenchmark(name: string, opts: { dataDir?: string } = {}): LoadedBenchmark {
  const spec = benchmarkSpec(name);
  const dataDir = resolveDataDir(opts.dataDir);
  const full = path.join(dataDir, spec.file);
  let st;
  try {
    st = statSync(full);
  } catch {
    throw new DataFileError(`benchmark file ${full} is missing (data folder: ${dataDir}; set FAIT_DATA_DIR)`);
  }
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(full);
  if (hit && hit.key === key) return { spec, ...hit.loaded };

  const file = readVerifiedDataFile(dataDir, spec.file);
  const text = gunzipSync(file.bytes).toString('utf8');
  const problems: Problem[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const row = parseRow(raw, full, problems.length);
    problems.push(toProblem(spec, row, raw, problems.length));
  }
  if (problems.length !== spec.tasks) {
    throw new DataFileError(`${full}: expected ${spec.tasks} tasks for ${spec.name}, found ${problems.length}`);
  }
  const loaded = { dataDir, path: full, sha256: file.sha256, problems, byId: new Map(problems.map((p) => [p.taskId, p])) };
  cache.set(full, { key, loaded });
  return { spec, ...loaded };
}

function parseRow(raw: string, file: string, index: number): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    // Python's json writes bare NaN / Infinity in test inputs; only text fields are read here.
    try {
      return JSON.parse(raw.replace(/([:,[]\s*)-?(?:Infinity|NaN)(?=\s*[,\]}])/g, '$1null')) as Record<string, unknown>;
    } catch (e) {
      throw new DataFileError(`${file}: line ${index + 1} is not valid JSON (${(e as Error).message})`);
    }
  }
}

function toProblem(spec: BenchmarkSpec, row: Record<string, unknown>, raw: string, index: number): Problem {
  const str = (k: string) => {
    const v = row[k];
    if (typeof v !== 'string') throw new DataFileError(`${spec.file}: task #${index} has no string field "${k}"`);
    return v;
  };
  if (spec.family === 'evalplus') {
    const prompt = str('prompt');
    return {
      taskId: str('task_id'),
      index,
      prompt,
      entryPoint: str('entry_point'),
      // evalplus.evaluate.get_groundtruth runs prompt + canonical_solution.
      canonicalProgram: prompt + str('canonical_solution'),
      raw,
    };
  }
  const prompt = str('complete_prompt');
  const libs = row.libs;
  return {
    taskId: str('task_id'),
    index,
    prompt,
    entryPoint: str('entry_point'),
    // bigcodebench.evaluate.get_groundtruth runs complete_prompt + "\n" + canonical_solution.
    canonicalProgram: prompt + '\n' + str('canonical_solution'),
    libs: parseLibs(libs),
    raw,
  };
}

function parseLibs(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') {
    // Stored as a Python list literal: "['random', 'itertools']".
    return [...v.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
  }
  return undefined;
}
