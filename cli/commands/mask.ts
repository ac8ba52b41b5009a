/**
 * `fait mask`: the masks stage's computation on a pairs file, without Temporal, for inspecting and
 * debugging masks. Same functions as the workflow stage.
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../../artifacts/atomic';
import { countEmptySides, formatEmptySides, formatMaskLine, maskRecords, type Segments } from '../../masks';
import { exitCodes } from '../context';

interface MaskOptions {
  pairs: string;
  out: string;
  rejects?: string;
  segments: Segments;
  maxChars: number;
  anchorGaps: boolean;
}

export function registerMask(program: Command): void {
  program
    .command('mask')
    .description('compute FAIT line masks and character spans for a JSONL file of {"id", "correct", "incorrect"} pairs')
    .requiredOption('--pairs <file>', 'input JSONL, one {"id", "correct", "incorrect"} object per line')
    .requiredOption('--out <file>', 'output JSONL, one {"id", "correct", "incorrect", "stats"} line per pair')
    .option('--rejects <file>', 'where rejected pairs are listed with their reasons (default: <out>.rejects.jsonl)')
    .addOption(new Option('--segments <which>', 'mark the whole response or only fenced code blocks').choices(['all', 'code']).default('all'))
    .option('--anchor-gaps', 'also mark, on the side without them, where characters only the other side has are missing (masks.anchorGaps)', false)
    .option('--max-chars <n>', 'longest accepted text in code points', (v) => Number.parseInt(v, 10), 100_000)
    .action((options: MaskOptions) => {
      let text: string;
      try {
        text = readFileSync(options.pairs, 'utf8');
      } catch (err) {
        process.stderr.write(`fait mask: cannot read ${options.pairs}: ${(err as Error).message}\n`);
        process.exitCode = exitCodes.badInput;
        return;
      }
      const { masks, rejects } = maskRecords(text.split('\n'), {
        segments: options.segments,
        maxChars: options.maxChars,
        anchorGaps: options.anchorGaps,
      });
      const rejectsFile = options.rejects ?? `${options.out}.rejects.jsonl`;
      writeFileAtomic(options.out, masks.map((m) => formatMaskLine(m) + '\n').join(''));
      writeFileAtomic(rejectsFile, rejects.map((r) => JSON.stringify(r) + '\n').join(''));
      const rejected = `${rejects.length} rejected${rejects.length ? ` (listed in ${rejectsFile})` : ''}`;
      process.stderr.write(`${masks.length} pairs masked into ${options.out}; ${rejected}; ${formatEmptySides(countEmptySides(masks))}\n`);
      for (const r of rejects.slice(0, 5)) process.stderr.write(`  ${options.pairs}:${r.line}: ${r.reason}\n`);
    });
}
