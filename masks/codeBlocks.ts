// Fenced code blocks of a response, for `segments: 'code'`.
//
// Chat-style responses wrap code in Markdown fences; with `segments: 'code'` FAIT only weights the
// code, because an error-sensitive segment in the surrounding prose ("Here is the fixed code:")
// is not a fault of the program. The rule, deliberately simple and line-based so that Python can
// reproduce it exactly:
//   * lines are those of lines.ts; a line's "content" is the line without its "\n" and without a
//     final "\r";
//   * an opening fence is a line whose content, after any leading spaces and tabs, starts with
//     three or more backticks followed by an info string (e.g. "python") that contains no
//     backtick (so a line like "```x``` is inline" opens nothing);
//   * the block is closed by the next line whose content, after leading spaces and tabs, is at
//     least as many backticks as the opening fence followed only by spaces and tabs; a block that
//     is never closed (a truncated response) runs to the end of the text;
//   * the lines strictly between the fences are code (each with its "\n"); the fence lines
//     themselves are not: they are Markdown syntax, not part of the program;
//   * only backtick fences count (no "~~~" fences, no indented code blocks). Any indentation of a
//     fence is accepted, unlike CommonMark's 0-3 spaces, because LLM responses often indent fenced
//     blocks inside list items.
// A response without any fence therefore has no code, and with `segments: 'code'` gets no marks;
// use `segments: 'all'` (the default) for responses that are bare code.

import { Lines } from './lines';
import { Span } from './spans';

const BACKTICK = 96;

function contentBounds(line: string): [number, number] {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  let start = 0;
  while (start < end) {
    const ch = line.charCodeAt(start);
    if (ch !== 32 && ch !== 9) break;
    start++;
  }
  return [start, end];
}

/** Number of backticks of an opening fence, or 0 when the line does not open a block. */
export function openingFenceLength(line: string): number {
  const [start, end] = contentBounds(line);
  let k = start;
  while (k < end && line.charCodeAt(k) === BACKTICK) k++;
  const ticks = k - start;
  if (ticks < 3) return 0;
  for (; k < end; k++) if (line.charCodeAt(k) === BACKTICK) return 0;
  return ticks;
}

/** Whether the line closes a block opened by a fence of `ticks` backticks. */
export function isClosingFence(line: string, ticks: number): boolean {
  const [start, end] = contentBounds(line);
  let k = start;
  while (k < end && line.charCodeAt(k) === BACKTICK) k++;
  if (k - start < ticks) return false;
  for (; k < end; k++) {
    const ch = line.charCodeAt(k);
    if (ch !== 32 && ch !== 9) return false;
  }
  return true;
}

/** 1 for each line inside a fenced code block (fence lines excluded), else 0. */
export function codeLineFlags(lines: Lines): Uint8Array {
  const flags = new Uint8Array(lines.count);
  let open = 0; // backticks of the open fence, 0 when outside a block
  for (let i = 0; i < lines.count; i++) {
    const text = lines.texts[i];
    if (open === 0) {
      open = openingFenceLength(text);
    } else if (isClosingFence(text, open)) {
      open = 0;
    } else {
      flags[i] = 1;
    }
  }
  return flags;
}

/** Code-point spans of the code lines (normalized: consecutive code lines form one span). */
export function codeSpans(lines: Lines, flags: Uint8Array = codeLineFlags(lines)): Span[] {
  const out: Span[] = [];
  let i = 0;
  while (i < lines.count) {
    if (!flags[i]) {
      i++;
      continue;
    }
    const start = lines.starts[i];
    while (i < lines.count && flags[i]) i++;
    const end = lines.starts[i];
    if (end > start) out.push([start, end]);
  }
  return out;
}
