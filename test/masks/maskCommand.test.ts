// `fait mask` as a user runs it (a real subprocess; the command needs no Temporal server):
// --anchor-gaps reaches maskPair, and stderr counts the pairs with an empty side.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../config/settings';
import { maskPair } from '../../masks';

const run = promisify(execFile);
const fait = path.join(projectRoot, 'bin', 'fait');

describe('fait mask --anchor-gaps', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fait-mask-'));
  const pairs = path.join(dir, 'pairs.jsonl');
  const rows = [
    { id: 'left-out line', correct: 'A\nB\nC\n', incorrect: 'A\nC\n' },
    { id: 'extra code', correct: 'x = 1\n', incorrect: 'x = 1\nprint(x)\n' },
    { id: 'substitution', correct: 'x = 1\n', incorrect: 'x = 2\n' },
  ];
  writeFileSync(pairs, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

  async function mask(extra: string[]): Promise<{ stderr: string; lines: { id: string; incorrect: unknown; correct: unknown }[] }> {
    const out = path.join(dir, `out${extra.length}.jsonl`);
    const { stderr } = await run(process.execPath, [fait, 'mask', '--pairs', pairs, '--out', out, ...extra], { timeout: 60_000 });
    return { stderr, lines: readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) };
  }

  test('without the flag (the paper) the one-sided pairs are counted; with it every side is marked', async () => {
    const paper = await mask([]);
    assert.match(paper.stderr, /^3 pairs masked into .*; 0 rejected; 1 with an empty correct side, 1 with an empty incorrect side$/m);
    const anchored = await mask(['--anchor-gaps']);
    assert.match(anchored.stderr, /; 0 with an empty correct side, 0 with an empty incorrect side$/m);
    for (const [k, r] of rows.entries()) {
      const m = maskPair(r.correct, r.incorrect, { anchorGaps: true });
      assert.deepEqual(anchored.lines[k], JSON.parse(JSON.stringify({ id: r.id, ...m })));
      assert.deepEqual(paper.lines[k].incorrect, maskPair(r.correct, r.incorrect).incorrect);
    }
    assert.deepEqual(anchored.lines[0].incorrect, { lineMask: [0, 1], charSpans: [[1, 3]] });
    // "extra code": c = "x = 1\n" gets its last character, the "\n", and its line
    assert.deepEqual(anchored.lines[1].correct, { lineMask: [1], charSpans: [[5, 6]] });
  });
});
