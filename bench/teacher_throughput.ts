/**
 * Teacher throughput: sustained requests per second against the local OpenAI-compatible double
 * with a fixed 200 ms latency at concurrency 64, versus the ideal 64 / 0.2 s = 320 req/s.
 * Everything a real shard does runs: prompt, cache lookup and write, parsing, validation, the
 * CPython syntax check. Run: node dist/bench/teacher_throughput.js [records]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { teacherSchema } from '../config/schema';
import { projectRoot } from '../config/settings';
import type { TrainingRecord } from '../dataset/records';
import { AnswerCache } from '../teacher/cache';
import { teachRecord } from '../teacher/generate';
import { createOpenAiSource } from '../teacher/openaiSource';
import { PythonSyntaxChecker } from '../teacher/pythonSyntax';
import { RateLimiter } from '../teacher/rateLimit';
import { spawn } from 'node:child_process';

const latencyMs = 200;
const concurrency = 64;
const ideal = concurrency / (latencyMs / 1000);

async function main(): Promise<void> {
  // Enough records that the steady state, not the ramp-up of the first round, dominates.
  const count = Number(process.argv[2] ?? 3840);
  const examples = readFileSync(path.join(projectRoot, 'examples', 'python-tasks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // Distinct prompts, so nothing is served from the cache.
  const records: TrainingRecord[] = Array.from({ length: count }, (_, i) => {
    const e = examples[i % examples.length];
    return { id: `r${i}`, instruction: `${e.instruction} (variant ${i})`, response: e.response, line: i + 1 };
  });
  const apiKey = 'sk-bench';
  const double = await startDoubleProcess({ apiKey, model: 'bench', latencyMs });
  const config = teacherSchema.parse({ kind: 'openai', baseUrl: double.baseUrl, model: 'bench', concurrency });
  const counters = { calls: 0, cached: 0, retries: 0 };
  const limiter = new RateLimiter(concurrency);
  const source = createOpenAiSource(config, apiKey, new AnswerCache(mkdtempSync(path.join(tmpdir(), 'fait-bench-cache-'))), limiter, counters);
  const syntax = new PythonSyntaxChecker();
  const options = { maxSamples: 3, validation: { maxDistance: 0.5, dropDistant: false }, syntax };

  let next = 0;
  let pairs = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < records.length) {
        const result = await teachRecord(records[next++], source, options);
        if ('pair' in result) pairs += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  syntax.close();
  double.close();

  const rate = counters.calls / seconds;
  console.log(`${count} records, ${counters.calls} requests, ${pairs} pairs in ${seconds.toFixed(2)} s (latency ${latencyMs} ms, concurrency ${concurrency})`);
  console.log('');
  console.log('measure                 ours        ideal      share   target');
  console.log(`requests per second     ${rate.toFixed(1).padEnd(11)} ${ideal.toFixed(1).padEnd(10)} ${((100 * rate) / ideal).toFixed(1)}%   >= 90% ${rate >= 0.9 * ideal ? 'PASS' : 'FAIL'}`);
}

/** The endpoint runs in its own process, as a real one would, so it does not share our event loop. */
async function startDoubleProcess(options: object): Promise<{ baseUrl: string; close(): void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'openaiDoubleProcess.js'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  return { baseUrl, close: () => child.kill() };
}

void main();
