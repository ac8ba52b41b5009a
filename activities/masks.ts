/**
 * Masks stage (fait-cpu): the error-sensitive segments of every (correct, incorrect) pair of one
 * dataset shard, computed in a worker thread, written as a masks artifact plus a rejects
 * artifact. One activity per shard, so a crash costs at most one shard of work.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Context, log } from '@temporalio/activity';
import { readJsonlArtifact, type ArtifactRef, type ArtifactStore } from '../artifacts/store';
import type { MasksConfig } from '../config/schema';
import type { TrainingRecord } from '../dataset/records';
import { countEmptySides, formatEmptySides, formatMaskLine, type MaskLine, type RecordError } from '../masks';
import type { MaskThreadInput, MaskThreadMessage } from './maskThread';
import type { Progress } from './progress';

export interface MaskShardInput {
  shard: ArtifactRef;
  masks: MasksConfig;
}

export interface MaskShardResult {
  masks: ArtifactRef;
  /**
   * The pairs that were masked, in the order of `masks`, as {id, instruction, response, incorrect}:
   * what the trainer reads, so pairs and masks always match one to one.
   */
  pairs: ArtifactRef;
  rejects: ArtifactRef;
  /** Records of the shard without an incorrect response (nothing to mask). */
  unpaired: number;
  /**
   * Sums over the masked pairs, for the stage summary; emptyCorrectSide / emptyIncorrectSide count
   * the pairs with no marked character on that side (absent from results of older versions).
   */
  totals: {
    markedCharsCorrect: number;
    markedLinesCorrect: number;
    normalizedEditDistance: number;
    emptyCorrectSide?: number;
    emptyIncorrectSide?: number;
  };
}

export function createMasksActivities(store: ArtifactStore) {
  return {
    async maskShard({ shard, masks: options }: MaskShardInput): Promise<MaskShardResult> {
      // Teacher pairs name the correct response "correct"; dataset records call it "response".
      const records = await readJsonlArtifact<TrainingRecord & { correct?: string }>(shard);
      const pairs = records
        .filter((r) => r.incorrect !== undefined)
        .map((r) => ({ id: r.id, correct: r.correct ?? r.response, incorrect: r.incorrect!, line: r.line }));
      const { masks, rejects } = await maskInThread({ pairs, options: { segments: options.segments, maxChars: options.maxChars, anchorGaps: options.anchorGaps } });
      const emptySides = countEmptySides(masks);
      log.info(`masks: ${masks.length} pairs masked, ${rejects.length} rejected; ${formatEmptySides(emptySides)}`, {
        shard: shard.sha256.slice(0, 12),
      });
      const byId = new Map(records.map((r) => [r.id, r]));
      const trainingPairs = masks.map((m) => {
        const r = byId.get(String(m.id))!;
        return { id: r.id, instruction: r.instruction, response: r.correct ?? r.response, incorrect: r.incorrect, line: r.line };
      });
      return {
        masks: await store.put(masks.map((m) => formatMaskLine(m) + '\n').join(''), masks.length, 'jsonl'),
        pairs: await store.putJsonl(trainingPairs),
        rejects: await store.putJsonl(rejects),
        unpaired: records.length - pairs.length,
        totals: {
          markedCharsCorrect: sum(masks, (m) => m.stats.markedCharsCorrect),
          markedLinesCorrect: sum(masks, (m) => m.stats.markedLinesCorrect),
          normalizedEditDistance: sum(masks, (m) => m.stats.normalizedEditDistance),
          ...emptySides,
        },
      };
    },
  };
}

function maskInThread(input: MaskThreadInput): Promise<{ masks: MaskLine[]; rejects: RecordError[] }> {
  const ctx = Context.current();
  const thread = new Worker(path.join(__dirname, 'maskThread.js'), { workerData: input });
  const heartbeat = (done: number) =>
    ctx.heartbeat({ phase: 'masking', done, total: input.pairs.length, unit: 'pairs' } satisfies Progress);
  heartbeat(0);
  return new Promise((resolve, reject) => {
    const onCancel = () => void thread.terminate().then(() => reject(ctx.cancellationSignal.reason));
    ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    thread.on('message', (message: MaskThreadMessage) => {
      if (message.type === 'progress') heartbeat(message.done);
      else resolve(message);
    });
    thread.once('error', reject);
    thread.once('exit', (code) => {
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
      if (code !== 0) reject(new Error(`the masking thread exited with code ${code}`));
    });
  });
}

function sum<T>(items: T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
