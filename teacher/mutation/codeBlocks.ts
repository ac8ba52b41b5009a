/**
 * The Python code blocks of a markdown response, as offsets into the response, with the fence
 * rules of the masks stage (masks/codeBlocks.ts) so that "the code" means the same thing in every
 * stage: lines strictly between an opening fence and its closing fence (or the end of the text).
 */
import { isClosingFence, openingFenceLength } from '../../masks/codeBlocks';

export interface CodeRegion {
  /** UTF-16 offsets of the code in the response: the lines between the fences, with their "\n". */
  from: number;
  to: number;
  /** The info string of the opening fence, e.g. "python". */
  info: string;
}

/** Start offsets of every line of `text` (lines end after "\n"), plus `text.length` at the end. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i + 1 < text.length) starts.push(i + 1);
  }
  starts.push(text.length);
  return starts;
}

/** Every fenced block of `text`, whatever its language. */
export function fencedBlocks(text: string): CodeRegion[] {
  const starts = lineStarts(text);
  const count = starts.length - 1;
  const line = (i: number) => text.slice(starts[i], starts[i + 1]);
  const blocks: CodeRegion[] = [];
  for (let i = 0; i < count; i++) {
    const ticks = openingFenceLength(line(i));
    if (ticks === 0) continue;
    let close = count;
    for (let j = i + 1; j < count; j++) {
      if (isClosingFence(line(j), ticks)) {
        close = j;
        break;
      }
    }
    const info = line(i).trim().replace(/^`+/, '').trim();
    blocks.push({ from: starts[i + 1], to: starts[close], info });
    i = close;
  }
  return blocks;
}

/** Whether a block's info string names Python ("python", "python3", "py", ...). */
export function isPythonInfo(info: string): boolean {
  return /^(python3?|py)\b/i.test(info);
}

/** The Python blocks of a markdown response. */
export function pythonBlocks(text: string): CodeRegion[] {
  return fencedBlocks(text).filter((b) => isPythonInfo(b.info));
}
