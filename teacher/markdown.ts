/**
 * Fenced code blocks of a markdown text, with the same fence rules as the masks stage
 * (masks/codeBlocks.ts), so that "the code" means the same thing in every stage.
 */
import { isClosingFence, openingFenceLength } from '../masks';

export interface CodeBlock {
  /** The info string after the opening fence, e.g. "python". */
  info: string;
  code: string;
  /** Line indices (0-based) of the opening and closing fence; close is -1 for an unclosed block. */
  open: number;
  close: number;
}

export function splitLinesKeepingEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function codeBlocks(text: string): CodeBlock[] {
  const lines = splitLinesKeepingEnds(text);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const ticks = openingFenceLength(lines[i]);
    if (ticks === 0) continue;
    let close = -1;
    for (let j = i + 1; j < lines.length; j += 1) {
      if (isClosingFence(lines[j], ticks)) {
        close = j;
        break;
      }
    }
    const end = close === -1 ? lines.length : close;
    blocks.push({ info: lines[i].trim().replace(/^`+/, '').trim(), code: lines.slice(i + 1, end).join(''), open: i, close });
    if (close === -1) break;
    i = close;
  }
  return blocks;
}

export function isPythonBlock(block: CodeBlock): boolean {
  return /^(python3?|py)\b/i.test(block.info);
}
