/**
 * Teacher stage (fait-cpu): a similar-but-incorrect variant for every record of one dataset
 * shard. Answers are cached as they arrive, so a retried or resumed activity re-asks nothing that
 * was already answered; progress heartbeats say how many records are done, rejected, in flight.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { readJsonlArtifact, type ArtifactRef, type ArtifactStore } from '../artifacts/store';
import type { TeacherConfig } from '../config/schema';
import { missingSecretMessage, readSecret } from '../config/secrets';
import type { TrainingRecord } from '../dataset/records';
import { AnswerCache } from '../teacher/cache';
import { teachRecord, type Pair, type TeacherReject, type VariantSource } from '../teacher/generate';
import { PermanentTeacherError } from '../teacher/llmClient';
import { createMutationSource } from '../teacher/mutationSource';
import type { TeacherCounters } from '../teacher/cachedCompletion';
import { createOpenAiSource } from '../teacher/openaiSource';
import { PythonSyntaxChecker } from '../teacher/pythonSyntax';
import { RateLimiter } from '../teacher/rateLimit';
import { tallyRejectReasons, type ReasonTally } from '../teacher/rejectReasons';
import { runRecordTests } from '../teacher/verify';
import { assertSandboxMode, type SandboxMode } from '../sandbox';
import type { Progress } from './progress';

export interface TeacherShardInput {
  shard: ArtifactRef;
  teacher: TeacherConfig;
  /** How verified-incorrect mode runs variants; absent in runs started before the option. */
  sandbox?: SandboxMode;
}

export interface TeacherShardResult {
  pairs: ArtifactRef;
  rejects: ArtifactRef;
  counts: { records: number; pairs: number; rejected: number; fromDataset: number } & TeacherCounters;
  /** Why records were rejected, most frequent first (absent in runs recorded before it existed). */
  rejectReasons?: ReasonTally[];
}


export function createTeacherActivities(store: ArtifactStore, cacheDir: string) {
  return {
    /** Fails the run at its start when the teacher cannot work at all (no API key on this worker). */
    async checkTeacher({ teacher }: { teacher: TeacherConfig }): Promise<void> {
      if (teacher.kind === 'openai' && !readSecret(teacher.apiKeyEnv)) {
        throw ApplicationFailure.create({ type: 'MissingSecret', nonRetryable: true, message: missingSecretMessage(teacher.apiKeyEnv) });
      }
    },

    async teacherShard({ shard, teacher, sandbox = 'bwrap' }: TeacherShardInput): Promise<TeacherShardResult> {
      const ctx = Context.current();
      if (teacher.verifyIncorrect) refuseWithoutSandbox(sandbox);
      const records = await readJsonlArtifact<TrainingRecord>(shard);
      const counters: TeacherCounters = { calls: 0, cached: 0, retries: 0 };
      const limiter = new RateLimiter(teacher.concurrency, teacher.requestsPerMinute);
      const source = createSource(teacher, new AnswerCache(cacheDir), limiter, counters);
      const syntax = teacher.checkSyntax ? new PythonSyntaxChecker() : undefined;
      const results: ({ pair: Pair } | { reject: TeacherReject })[] = new Array(records.length);
      let done = 0;
      let rejected = 0;
      const heartbeat = () =>
        ctx.heartbeat({ phase: 'teaching', done, total: records.length, unit: 'records', rejected, inFlight: limiter.inFlight } satisfies Progress);
      heartbeat();
      const options = {
        maxSamples: teacher.maxSamples,
        validation: { maxDistance: teacher.maxDistance, dropDistant: teacher.dropDistant },
        syntax,
        runTests: teacher.verifyIncorrect ? (incorrect: string, tests: string) => runRecordTests(incorrect, tests, sandbox) : undefined,
      };
      try {
        let next = 0;
        const lane = async () => {
          while (next < records.length) {
            if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
            const index = next++;
            results[index] = await teachRecord(records[index], source, options);
            done += 1;
            if ('reject' in results[index]) rejected += 1;
            heartbeat();
          }
        };
        await Promise.all(Array.from({ length: Math.min(teacher.concurrency, records.length) }, lane));
      } catch (err) {
        if (err instanceof PermanentTeacherError) {
          throw ApplicationFailure.create({ type: 'TeacherPermanentError', nonRetryable: true, message: err.message });
        }
        throw err;
      } finally {
        syntax?.close();
      }
      const pairs = results.flatMap((r) => ('pair' in r ? [r.pair] : []));
      const rejects = results.flatMap((r) => ('reject' in r ? [r.reject] : []));
      log.info(`teacher: ${pairs.length} pairs, ${rejects.length} rejected, ${counters.calls} calls, ${counters.cached} cached`);
      return {
        pairs: await store.putJsonl(pairs),
        rejects: await store.putJsonl(rejects),
        counts: {
          records: records.length,
          pairs: pairs.length,
          rejected: rejects.length,
          fromDataset: pairs.filter((p) => p.teacher.kind === 'dataset').length,
          ...counters,
        },
        rejectReasons: tallyRejectReasons(rejects),
      };
    },
  };
}

function refuseWithoutSandbox(mode: SandboxMode): void {
  try {
    assertSandboxMode(mode);
  } catch (err) {
    throw ApplicationFailure.create({ type: 'SandboxUnavailable', nonRetryable: true, message: `teacher.verifyIncorrect runs generated code: ${(err as Error).message}` });
  }
  if (mode === 'none') log.warn(`teacher.verifyIncorrect runs generated code WITHOUT isolation (sandbox: none)`);
}

function createSource(teacher: TeacherConfig, cache: AnswerCache, limiter: RateLimiter, counters: TeacherCounters): VariantSource {
  if (teacher.kind === 'openai') {
    const apiKey = readSecret(teacher.apiKeyEnv);
    if (!apiKey) throw ApplicationFailure.create({ type: 'MissingSecret', nonRetryable: true, message: missingSecretMessage(teacher.apiKeyEnv) });
    return createOpenAiSource(teacher, apiKey, cache, limiter, counters);
  }
  if (teacher.kind === 'mutation') return createMutationSource(teacher.seed);
  return {
    info: { kind: 'dataset' },
    sample: async () => ({ kind: 'unusable', reason: 'the dataset supplies no incorrect response for this record (teacher.kind: dataset)' }),
  };
}
