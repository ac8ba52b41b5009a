// Error-sensitive segments of one (correct, incorrect) pair, as defined by FAIT.
//
// c = the correct response ("post-change"), a = a similar incorrect response ("pre-change").
//   * Line level: a's lines are aligned with c's lines (minimal line diff, lineDiff.ts);
//     lineMask of c is 1 for each added line of c, lineMask of a is 1 for each deleted line of a.
//   * Character level: an optimal Levenshtein alignment transforming a into c
//     (levenshtein.ts); an inserted character is marked in c, a deleted one in a, and a
//     substituted one in both. So with S substitutions, I insertions and D deletions:
//       editDistance = S + I + D, markedCharsCorrect = S + I, markedCharsIncorrect = S + D
//     (without anchorGaps, below).
//   * All offsets are code points (codePoints.ts); spans are sorted, merged, half-open
//     (spans.ts).
//   * segments: 'code' computes both alignments on the whole texts (so that context outside the
//     code still anchors the alignment) and then keeps only the marks that fall inside fenced code
//     blocks of the respective text (codeBlocks.ts): char spans are intersected with the code
//     lines, lineMask entries of non-code lines are set to 0. The stats' line counts and edit
//     distance still describe the whole texts; the marked counts describe the kept marks.
//   * anchorGaps (option, off by default): a gap on one side (characters only the other side has)
//     also marks the neighbouring characters and the line of the gap on the side without them;
//     see anchorGaps.ts for the exact rule.

import { anchorGapsOnSide } from './anchorGaps';
import { codeLineFlags, codeSpans } from './codeBlocks';
import { alignCore, OP_DELETE, OP_INSERT, script } from './levenshtein';
import { diffTextLines } from './lineDiff';
import { splitLines } from './lines';
import { intersectSpans, Span, spansLength } from './spans';
import { TextBuffer } from './textBuffer';

export type Segments = 'all' | 'code';

export interface MaskOptions {
  /** Which part of each response may be marked (default 'all'). */
  segments?: Segments;
  /** Also mark, on the side without them, where a gap's characters are missing (default false). */
  anchorGaps?: boolean;
}

export interface SideMask {
  /** 0/1 per line of the text. */
  lineMask: number[];
  /** Marked characters: sorted, merged, half-open code-point spans. */
  charSpans: [number, number][];
}

export interface PairStats {
  linesCorrect: number;
  linesIncorrect: number;
  markedLinesCorrect: number;
  markedLinesIncorrect: number;
  markedCharsCorrect: number;
  markedCharsIncorrect: number;
  /** Levenshtein distance between the whole texts, in code points. */
  editDistance: number;
  /** editDistance / max(len(a), len(c)) in code points; 0 for two empty texts. */
  normalizedEditDistance: number;
}

export interface PairMask {
  correct: SideMask;
  incorrect: SideMask;
  stats: PairStats;
}

function toNumberArray(flags: Uint8Array, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = flags[i];
  return out;
}

function sumOf(mask: number[]): number {
  let t = 0;
  for (let i = 0; i < mask.length; i++) t += mask[i];
  return t;
}

// Reused decoding buffers (see textBuffer.ts); maskPair is not re-entrant, nor needs to be.
const bufC = new TextBuffer();
const bufA = new TextBuffer();

/** FAIT masks of a pair: `correct` is c (post-change), `incorrect` is a (pre-change). */
export function maskPair(correct: string, incorrect: string, options: MaskOptions = {}): PairMask {
  const segments = options.segments ?? 'all';
  if (segments !== 'all' && segments !== 'code') {
    throw new TypeError(`segments must be 'all' or 'code', got ${JSON.stringify(segments)}`);
  }
  const anchorGaps = options.anchorGaps ?? false;
  if (typeof anchorGaps !== 'boolean') {
    throw new TypeError(`anchorGaps must be a boolean, got ${JSON.stringify(anchorGaps)}`);
  }
  bufC.decode(correct);
  bufA.decode(incorrect);

  // Characters first: the line diff reuses the common prefix / suffix found here.
  const al = alignCore(bufA.cps, bufA.len, bufC.cps, bufC.len);
  const distance = al.distance;
  // Marked positions come out in increasing order because the script is ordered by position.
  const kinds = script.kinds;
  const src = script.src;
  const dest = script.dest;
  let spansC: Span[] = [];
  let spansA: Span[] = [];
  let nc = 0;
  let na = 0;
  let lastC: Span | null = null;
  let lastA: Span | null = null;
  for (let t = 0; t < distance; t++) {
    const kind = kinds[t];
    if (kind !== OP_DELETE) {
      const x = dest[t];
      nc++;
      if (lastC !== null && lastC[1] === x) lastC[1] = x + 1;
      else spansC.push((lastC = [x, x + 1]));
    }
    if (kind !== OP_INSERT) {
      const x = src[t];
      na++;
      if (lastA !== null && lastA[1] === x) lastA[1] = x + 1;
      else spansA.push((lastA = [x, x + 1]));
    }
  }

  const lines = diffTextLines(bufA, bufC, al.prefix, al.suffix);
  const lineMaskC = toNumberArray(lines.added, bufC.lines);
  const lineMaskA = toNumberArray(lines.deleted, bufA.lines);

  if (anchorGaps) {
    // Gap positions: in a, the source position of each run of insertions; in c, the destination
    // position of each run of deletions (runs share the position, so consecutive repeats are
    // skipped; a repeat further on would only mark the same characters again).
    const gapsA: number[] = [];
    const gapsC: number[] = [];
    for (let t = 0; t < distance; t++) {
      if (kinds[t] === OP_INSERT) {
        if (gapsA.length === 0 || gapsA[gapsA.length - 1] !== src[t]) gapsA.push(src[t]);
      } else if (kinds[t] === OP_DELETE) {
        if (gapsC.length === 0 || gapsC[gapsC.length - 1] !== dest[t]) gapsC.push(dest[t]);
      }
    }
    spansA = anchorGapsOnSide(bufA, gapsA, spansA, lineMaskA);
    spansC = anchorGapsOnSide(bufC, gapsC, spansC, lineMaskC);
    na = spansLength(spansA);
    nc = spansLength(spansC);
  }

  if (segments === 'code') {
    const linesC = splitLines(correct);
    const linesA = splitLines(incorrect);
    const codeC = codeLineFlags(linesC);
    const codeA = codeLineFlags(linesA);
    for (let i = 0; i < lineMaskC.length; i++) lineMaskC[i] &= codeC[i];
    for (let i = 0; i < lineMaskA.length; i++) lineMaskA[i] &= codeA[i];
    spansC = intersectSpans(spansC, codeSpans(linesC, codeC));
    spansA = intersectSpans(spansA, codeSpans(linesA, codeA));
    nc = spansLength(spansC);
    na = spansLength(spansA);
  }

  const lenMax = bufA.len > bufC.len ? bufA.len : bufC.len;
  return {
    correct: { lineMask: lineMaskC, charSpans: spansC },
    incorrect: { lineMask: lineMaskA, charSpans: spansA },
    stats: {
      linesCorrect: bufC.lines,
      linesIncorrect: bufA.lines,
      markedLinesCorrect: sumOf(lineMaskC),
      markedLinesIncorrect: sumOf(lineMaskA),
      markedCharsCorrect: nc,
      markedCharsIncorrect: na,
      editDistance: distance,
      normalizedEditDistance: lenMax === 0 ? 0 : distance / lenMax,
    },
  };
}
