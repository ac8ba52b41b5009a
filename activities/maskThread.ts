/**
 * Worker-thread entry for the masks stage: masking is CPU-bound, so it runs off the activity's
 * event loop (which must stay free to heartbeat) and several shards use several cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { maskRecords, type MaskLine, type RecordError, type RecordOptions } from '../masks';

export interface MaskThreadInput {
  pairs: { id: string; correct: string; incorrect: string; line: number }[];
  options: RecordOptions;
}

export type MaskThreadMessage =
  | { type: 'progress'; done: number }
  | { type: 'done'; masks: MaskLine[]; rejects: RecordError[] };

const progressEvery = 250;

function run({ pairs, options }: MaskThreadInput): void {
  const masks: MaskLine[] = [];
  const rejects: RecordError[] = [];
  for (let start = 0; start < pairs.length; start += progressEvery) {
    const chunk = pairs.slice(start, start + progressEvery);
    const result = maskRecords(chunk.map(({ id, correct, incorrect }) => ({ id, correct, incorrect })), options);
    masks.push(...result.masks);
    // Report the dataset line of a rejected pair rather than its place in this chunk.
    rejects.push(...result.rejects.map((r) => ({ ...r, line: chunk[(r.line ?? 1) - 1].line })));
    parentPort!.postMessage({ type: 'progress', done: start + chunk.length } satisfies MaskThreadMessage);
  }
  parentPort!.postMessage({ type: 'done', masks, rejects } satisfies MaskThreadMessage);
}

run(workerData as MaskThreadInput);
