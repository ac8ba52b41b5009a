/**
 * Dataset stage (fait-cpu): read the instruction-tuning file, validate and deduplicate its
 * records, and write them as shards to the artifact store. Invalid records stop the run before any
 * expensive stage unless skipInvalid is set; either way every reject is kept in an artifact.
 */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { artifactIsIntact, sha256Hex, type ArtifactRef, type ArtifactStore } from '../artifacts/store';
import type { DatasetConfig } from '../config/schema';
import type { Layout } from '../dataset/formats';
import type { Progress } from './progress';
import { DatasetFileError, parseDatasetFile } from '../dataset/parse';
import { validateItems, type ValidatedDataset } from '../dataset/validate';

export interface PrepareDatasetInput {
  experimentId: string;
  dataset: DatasetConfig;
}

export interface DatasetResult {
  source: { path: string; sha256: string; bytes: number };
  shards: ArtifactRef[];
  rejects: ArtifactRef;
  counts: ValidatedDataset['counts'];
  layouts: Partial<Record<Layout, number>>;
  /** Kept records that already carry an incorrect response (pairs brought by the user). */
  pairs: number;
}

/** Heartbeat details: what a retried attempt can skip, and what `fait status` shows. */
export interface DatasetProgress extends Progress {
  phase: 'reading' | 'writing';
  unit: 'shards';
  shards: ArtifactRef[];
}

export function createDatasetActivities(store: ArtifactStore) {
  return {
    async prepareDataset({ dataset }: PrepareDatasetInput): Promise<DatasetResult> {
      const ctx = Context.current();
      const resumed = (ctx.info.heartbeatDetails as DatasetProgress | undefined)?.shards ?? [];
      log.info('dataset: reading', { path: dataset.path, attempt: ctx.info.attempt });
      ctx.heartbeat({ phase: 'reading', done: 0, total: 0, unit: 'shards', shards: resumed } satisfies DatasetProgress);

      const bytes = await readDatasetBytes(dataset.path);
      const validated = validateItems(parseItems(bytes, dataset.path), dataset);
      const rejects = await store.putJsonl(validated.rejects);
      const { invalid } = validated.counts;
      if (invalid > 0 && !dataset.skipInvalid) {
        const first = validated.rejects.filter((r) => r.kind === 'invalid').slice(0, 5).map((r) => r.reason);
        throw ApplicationFailure.create({
          type: 'InvalidDataset',
          nonRetryable: true,
          message:
            `${invalid} invalid record${invalid === 1 ? '' : 's'} in ${dataset.path}:\n  ${first.join('\n  ')}` +
            `${invalid > first.length ? `\n  ... ${invalid - first.length} more` : ''}\n` +
            `All rejects are listed in ${rejects.uri}. Fix them, or set dataset.skipInvalid (fait run --skip-invalid) to train on the rest.`,
          details: [{ rejects, counts: validated.counts }],
        });
      }
      if (validated.records.length === 0) {
        throw ApplicationFailure.create({
          type: 'InvalidDataset',
          nonRetryable: true,
          message: `${dataset.path}: no usable records (${validated.counts.items} read, ${invalid} invalid, ${validated.counts.duplicates} duplicates); rejects in ${rejects.uri}`,
        });
      }

      const shards = await writeShards(store, validated, dataset.shardSize, resumed);
      return {
        source: { path: dataset.path, sha256: sha256Hex(bytes), bytes: bytes.length },
        shards,
        rejects,
        counts: validated.counts,
        layouts: validated.layouts,
        pairs: validated.records.filter((r) => r.incorrect !== undefined).length,
      };
    },
  };
}

async function writeShards(
  store: ArtifactStore,
  validated: ValidatedDataset,
  shardSize: number,
  resumed: ArtifactRef[],
): Promise<ArtifactRef[]> {
  const ctx = Context.current();
  const total = Math.ceil(validated.records.length / shardSize);
  const shards: ArtifactRef[] = [];
  for (let index = 0; index < total; index += 1) {
    const previous = resumed[index];
    const records = validated.records.slice(index * shardSize, (index + 1) * shardSize);
    // A shard from an earlier attempt is reused only if it is intact and holds the same records.
    const reusable = previous !== undefined && previous.count === records.length && (await artifactIsIntact(previous));
    shards.push(reusable ? previous : await store.putJsonl(records));
    ctx.heartbeat({ phase: 'writing', done: index + 1, total, unit: 'shards', shards } satisfies DatasetProgress);
    log.info(`dataset: shard ${index + 1}/${total} ${reusable ? 'reused' : 'written'}`);
    // Yield so heartbeats flush and a cancellation request can reach this activity.
    await new Promise((resolve) => setImmediate(resolve));
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
  }
  return shards;
}

async function readDatasetBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, expected a file' : (err as Error).message;
    throw ApplicationFailure.create({ type: 'InvalidDataset', nonRetryable: true, message: `dataset file ${file} ${what} (dataset.path)` });
  }
}

function parseItems(bytes: Buffer, file: string) {
  try {
    return parseDatasetFile(bytes, file);
  } catch (err) {
    if (err instanceof DatasetFileError) throw ApplicationFailure.create({ type: 'InvalidDataset', nonRetryable: true, message: err.message });
    throw err;
  }
}
