/**
 * `fait tokens` as a user runs it: real `fait mask` masks, a tiny model made with the chat
 * template of one of the paper's models (test/fixtures/chat-templates), the real trainer spawned.
 * Every template and tokenizer family is checked on all golden pairs in trainer/tests/test_chat_templates.py;
 * here the command line itself, on one template per style, both tokenizer families among them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { projectRoot, readSettings } from '../config/settings';
import { runFait } from './helpers/cli';

const templates = path.join(projectRoot, 'test', 'fixtures', 'chat-templates');

const PAIRS = [
  { id: 'p1', instruction: 'Index of the last character.', correct: 'def last_index(word):\n    return len(word) - 1\n', incorrect: 'def last_index(word):\n    return len(word) - 2\n' },
  { id: 'p2', instruction: 'Is x positive?', correct: 'def pos(x):\n    return x > 0\n', incorrect: 'def pos(x):\n    return x >= 0\n' },
  { id: 'p3', instruction: 'Greet.', correct: 'print("héllo 👋")', incorrect: 'print("hello")' },
];

interface Side {
  tokens: string[];
  offsets: [number, number][];
  vLine: number[];
  vChar: number[];
  vHybrid: number[];
  endTokens: number;
}

const cli = (args: string[]) => runFait(args, process.env, 180_000);

describe('fait tokens', () => {
  let dir: string;
  let pairs: string;
  let masks: string;
  const models = new Map<string, string>();
  const cases = [
    { style: 'deepseek-coder-instruct', family: 'byte-level', end: ['\n', '<|EOT|>'] },
    { style: 'codellama-instruct', family: 'metaspace', end: [' ', '</s>'] },
    { style: 'llama-3-instruct', family: 'byte-level', end: ['<|eot_id|>'] },
    { style: 'qwen2.5-coder-instruct', family: 'metaspace', end: ['<|im_end|>'] },
    { style: 'magicoder-s-ds', family: 'byte-level', end: ['<｜end▁of▁sentence｜>'], promptFormat: 'magicoder' },
  ];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fait-tokens-'));
    pairs = path.join(dir, 'pairs.jsonl');
    masks = path.join(dir, 'masks.jsonl');
    writeFileSync(pairs, PAIRS.map((p) => JSON.stringify(p) + '\n').join(''));
    const masked = await cli(['mask', '--pairs', pairs, '--out', masks]);
    assert.equal(masked.code, 0, masked.stderr);
    for (const c of cases) {
      const model = path.join(dir, `${c.style}-${c.family}`);
      execFileSync(readSettings().python, ['-m', 'fait_trainer', 'tiny-model', '--corpus', pairs, '--out', model, '--family', c.family, '--tokenizer-config', path.join(templates, `${c.style}.json`)], { stdio: 'ignore' });
      models.set(c.style, model);
    }
  });

  test('--json: response tokens tile each response in order, vChar marks exactly the tokens on marked characters', async () => {
    const maskLines = new Map<string, { correct: { charSpans: [number, number][] }; incorrect: { charSpans: [number, number][] } }>();
    for (const line of readFileSync(masks, 'utf8').trim().split('\n')) maskLines.set(JSON.parse(line).id, JSON.parse(line));
    for (const c of cases) {
      const args = ['tokens', '--model', models.get(c.style)!, '--pairs', pairs, '--masks', masks, '--json'];
      const { code, stdout, stderr } = await cli(c.promptFormat ? [...args, '--prompt-format', c.promptFormat] : args);
      assert.equal(code, 0, stderr);
      const records = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; correct: Side; incorrect: Side });
      assert.deepEqual(records.map((r) => r.id), ['p1', 'p2', 'p3'], c.style);
      for (const record of records) {
        const pair = PAIRS.find((p) => p.id === record.id)!;
        for (const side of ['correct', 'incorrect'] as const) {
          const view = record[side];
          const text = [...pair[side]]; // code points, as fait mask counts
          assert.equal(view.offsets[0][0], 0);
          assert.equal(view.offsets[view.offsets.length - 1][1], text.length, `${c.style} ${record.id} ${side}`);
          for (let i = 1; i < view.offsets.length; i++) {
            const [a, b] = view.offsets[i - 1];
            const [s] = view.offsets[i];
            // Tiled in order; a byte-level token ending inside a multi-byte character shares it with the next.
            assert.ok(s === b || (s === b - 1 && Buffer.byteLength(text[s]) > 1 && a < b), `${c.style} ${record.id} ${side} ${JSON.stringify(view.offsets)}`);
          }
          const marked = new Set(maskLines.get(record.id)![side].charSpans.flatMap(([s, e]) => Array.from({ length: e - s }, (_, k) => s + k)));
          assert.deepEqual(view.vChar, view.offsets.map(([s, e]) => ([...marked].some((m) => s <= m && m < e) ? 1 : 0)));
          assert.deepEqual(view.vHybrid, view.vLine.map((l, i) => l + view.vChar[i]));
          assert.equal(view.endTokens, c.end.length, `${c.style} ${side}`);
        }
      }
    }
  });

  test('the text view brackets marked tokens when stdout is not a terminal, and shows the end of the turn', async () => {
    const { code, stdout } = await cli(['tokens', '--model', models.get('codellama-instruct')!, '--pairs', pairs, '--masks', masks, '--limit', '1']);
    assert.equal(code, 0);
    assert.doesNotMatch(stdout, /\x1b\[/);
    assert.match(stdout, /^legend: \{line-marked\} \[char-marked\]/);
    assert.match(stdout, /── p1 ──\ncorrect: \d+ tokens, \d+ line-marked, 1 char-marked/);
    assert.match(stdout, /\[\{ 1\}\]/);
    assert.match(stdout, /end of turn: \[" ", "<\/s>"\]/);
    assert.doesNotMatch(stdout, /p2/);
  });

  test('bad input: masks missing for a pair, or no such model, exit 2 with the file and line', async () => {
    const partial = path.join(dir, 'partial-masks.jsonl');
    writeFileSync(partial, readFileSync(masks, 'utf8').split('\n')[0] + '\n');
    const missing = await cli(['tokens', '--model', models.get('llama-3-instruct')!, '--pairs', pairs, '--masks', partial, '--json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pairs\.jsonl:2: no masks for pair id 'p2'/);
    assert.equal(missing.stdout.trim().split('\n').length, 1); // the record before the bad one was printed
    const noModel = await cli(['tokens', '--model', path.join(dir, 'nope'), '--pairs', pairs, '--masks', masks]);
    assert.equal(noModel.code, 2);
    assert.match(noModel.stderr, /model directory .*nope does not exist/);
  });
});
