/**
 * Extracts the incorrect response from a teacher's markdown answer. Teachers wrap, label and
 * explain their answers in a few recurring ways; each rule below removes one of them and nothing
 * else, so the variant stays as close to the correct response as the teacher wrote it:
 *
 * 1. Outer wrapper: when the answer holds a ```markdown (or ```md) fenced block, only its content
 *    counts (whatever the teacher wrote around it is commentary). The wrapper ends at the last
 *    bare fence line at least as long as its opening fence, because the inner code blocks close
 *    with bare fences too.
 * 2. Leading label: an intro sentence ending with ":" ("Here is an incorrect response:") and a
 *    heading or bold line that names the answer ("## Incorrect Response", "**Buggy solution:**")
 *    are dropped.
 * 3. Trailing explanation: after the last code block, a paragraph or heading that explains the
 *    injected fault ("Explanation", "The error", "Bug introduced", "Note: ...", "What's wrong")
 *    is dropped with everything after it.
 * 4. Bug comments in code: a "# ..." comment that names the fault ("# bug: should be <=",
 *    "# error introduced here") is removed when the correct response does not have it.
 * 5. Code blocks must line up with the correct response's: the same number of fenced blocks.
 */
import { codeBlocks, splitLinesKeepingEnds } from './markdown';
import { isClosingFence, openingFenceLength } from '../masks';

export type ParseResult = { ok: true; response: string } | { ok: false; reason: string };

const labelWords = /\b(incorrect|wrong|buggy|flawed|erroneous|faulty|modified)\b/i;
const explanationStart =
  /^\s*(#{1,6}\s*|\*\*|__)?\s*(explanation|errors?( introduced)?|bugs?( introduced)?|mistakes?|notes?|what'?s wrong|the (subtle |introduced )?(error|bug|mistake|issue|change)s?|changes? made|subtle errors?|key differences?|this (response|code|version) (is incorrect|contains))\b/i;
const bugComment = /#[^\n]*\b(bug|error|incorrect|wrong|mistake|should be|introduced|subtle|off-by-one)\b[^\n]*/i;

export function extractIncorrectResponse(answer: string, correct: string): ParseResult {
  // Line endings follow the correct response: a CRLF/LF difference is not a fault.
  const crlf = correct.includes('\r\n');
  let text = unwrapMarkdownFence(crlf ? answer.replace(/\r?\n/g, '\r\n') : answer.replace(/\r\n/g, '\n'));
  text = dropLeadingLabels(text);
  text = dropTrailingExplanation(text);
  text = dropBugComments(text, correct);
  text = text.trim();
  if (text.length === 0) return { ok: false, reason: 'empty answer after removing wrappers and explanations' };
  const expected = codeBlocks(correct).length;
  const found = codeBlocks(text).length;
  if (expected > 0 && found === 0) return { ok: false, reason: 'the answer has no code block but the correct response has code' };
  if (found !== expected) return { ok: false, reason: `the answer has ${found} code blocks, the correct response ${expected}` };
  // Keep the correct response's trailing newline convention: it is not a fault.
  const ending = /\r?\n$/.exec(correct)?.[0] ?? '';
  return { ok: true, response: text + ending };
}

function unwrapMarkdownFence(answer: string): string {
  const lines = splitLinesKeepingEnds(answer);
  const open = lines.findIndex((line) => openingFenceLength(line) > 0 && /^\s*`{3,}\s*(markdown|md)\s*$/i.test(line));
  if (open === -1) return answer;
  const ticks = openingFenceLength(lines[open]);
  let close = -1;
  for (let i = lines.length - 1; i > open; i -= 1) {
    if (isClosingFence(lines[i], ticks)) {
      close = i;
      break;
    }
  }
  return lines.slice(open + 1, close === -1 ? lines.length : close).join('');
}

function dropLeadingLabels(text: string): string {
  const lines = splitLinesKeepingEnds(text);
  let start = 0;
  while (start < lines.length) {
    const line = lines[start].trim();
    const isBlank = line.length === 0;
    const isIntro = /^(here('s| is| are)|below is|sure|certainly|okay)\b.*:\s*$/i.test(line);
    const isLabel = /^(#{1,6}\s+.*|\*\*.*\*\*:?|__.*__:?|.{0,60}:)$/.test(line) && labelWords.test(line) && openingFenceLength(line) === 0;
    if (!(isBlank || isIntro || isLabel)) break;
    start += 1;
  }
  return lines.slice(start).join('');
}

function dropTrailingExplanation(text: string): string {
  const lines = splitLinesKeepingEnds(text);
  const blocks = codeBlocks(text);
  const afterCode = blocks.length > 0 ? (blocks[blocks.length - 1].close === -1 ? lines.length : blocks[blocks.length - 1].close + 1) : 0;
  for (let i = afterCode; i < lines.length; i += 1) {
    if (explanationStart.test(lines[i]) || (/^\s*(-{3,}|\*{3,})\s*$/.test(lines[i]) && i > afterCode)) {
      return lines.slice(0, i).join('');
    }
  }
  return text;
}

function dropBugComments(text: string, correct: string): string {
  const lines = splitLinesKeepingEnds(text);
  const inCode = new Set<number>();
  for (const block of codeBlocks(text)) {
    for (let i = block.open + 1; i < (block.close === -1 ? lines.length : block.close); i += 1) inCode.add(i);
  }
  const out: string[] = [];
  lines.forEach((line, i) => {
    const comment = inCode.has(i) ? bugComment.exec(line) : null;
    if (!comment || correct.includes(comment[0].trim())) {
      out.push(line);
      return;
    }
    const before = line.slice(0, comment.index).replace(/[ \t]+$/, '');
    // A comment on a line of its own goes with its line; a trailing comment leaves the code.
    if (before.trim().length > 0) out.push(before + (line.endsWith('\n') ? '\n' : ''));
  });
  return out.join('');
}
