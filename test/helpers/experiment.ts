/** Experiment inputs and datasets for tests. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { experimentSchema } from '../../config/schema';
import { taskQueues } from '../../temporal/queues';
import type { ExperimentInput } from '../../workflows';

let counter = 0;

/** A validated input with short heartbeat and retry intervals, so crash recovery is quick. */
export function experimentInput(datasetPath: string, dataset: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): ExperimentInput {
  counter += 1;
  const fast = { heartbeatTimeout: '5s', initialInterval: '200ms', maximumInterval: '1s' };
  const config = experimentSchema.parse({
    name: 'test',
    dataset: { path: datasetPath, ...dataset },
    stages: { dataset: fast, teacher: fast, masks: fast, training: fast, report: fast },
    ...rest,
  });
  return { experimentId: `test-${process.pid}-${counter}-${Date.now()}`, config, configSha256: '0'.repeat(64) };
}

export function startExperiment(client: Client, input: ExperimentInput) {
  return client.workflow.start('faitExperiment', { taskQueue: taskQueues.cpu, workflowId: input.experimentId, args: [input] });
}

/**
 * Writes `count` distinct records in the evol-codealpaca layout; `padding` makes each line longer.
 * The plain responses give the mutation teacher no site to inject a fault (it rejects them all);
 * with `faultable` each response has a comparison it can flip, for runs that should have pairs.
 */
export function writeEvolDataset(dir: string, name: string, count: number, padding = 0, { faultable = false } = {}): string {
  const file = path.join(dir, name);
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    lines.push(
      JSON.stringify(
        faultable
          ? {
              instruction: `Write a function f${i}(x) that returns x plus ${i}, or 0 for negative x.${' '.repeat(padding)}`,
              output: `Add the constant.\n\n\`\`\`python\ndef f${i}(x):\n    if x < 0:\n        return 0\n    return x + ${i}\n\`\`\`\n`,
            }
          : {
              instruction: `Write a function f${i}(x) that returns x plus ${i}.${' '.repeat(padding)}`,
              output: `Add the constant.\n\n\`\`\`python\ndef f${i}(x):\n    return x + ${i}\n\`\`\`\n`,
            },
      ),
    );
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
