// Option `anchorGaps` (masks.anchorGaps, off by default: the paper has no such rule).
//
// Why: when the incorrect response a only leaves code out of c (or only adds code), the Levenshtein
// alignment has only insertions (or only deletions), so one side has no marked character; the
// trainer's ratio of the two sides' mean losses is then 1 and W = alpha - 1, and the error gets
// no emphasis. With the option on, every gap also marks the side that lacks the gap's characters.
//
// Definitions (x is a code-point offset, len the side's length in code points):
//   * A gap in a is a run of consecutive insertions of the edit script (characters of c that a
//     lacks); its position x in a is the insertions' source position (Levenshtein.editops' src),
//     i.e. the missing characters belong between a[x-1] and a[x]. A gap in c is a run of
//     deletions, at their destination position in c. Every gap is anchored, also one next to a
//     substitution or in a pair that has other marks, so the rule does not depend on the rest of
//     the pair.
//   * "The character on each side of the gap": a[x-1] and a[x], each only where it exists. A gap
//     at the very start (x = 0) marks a[0] only, one at the very end (x = len) marks a[len-1]
//     only, and an empty side gets no mark (it has no character to hold one). So a mark always
//     lands on a real character, never past the end. Offsets are code points, so an astral
//     character (an emoji) next to a gap is marked as one whole character.
//   * Line ends are ordinary characters: a "\n" (or the "\r" of a CRLF) next to the gap is the
//     marked neighbour. A gap at the start of a line (a[x-1] is the "\n" of the previous line)
//     thus marks that "\n" and the line's first character.
//   * "The line that contains the gap position": the line of a[x] -- the first character the
//     response wrote where the missing characters should have been, so the line where it went
//     wrong -- or, for a gap at the very end (x = len), the last line (the response stopped too
//     early). That line's lineMask entry is set to 1. The character a[x] (a[len-1] at the end)
//     always lies on that line, so it is both line- and char-marked (V_hybrid = 2 there); the
//     "\n" before a gap at a line start is only char-marked.
// The symmetric rules hold for a gap in c (deletions), with c in place of a.
// Consequence (tested): when the texts differ, each non-empty side has a char-marked character and
// a marked line. The documented identities markedCharsCorrect = S + I, markedCharsIncorrect = S + D
// no longer hold (the anchors are extra marks); editDistance is unchanged. With segments 'code'
// the anchors are added before the marks outside code blocks are dropped, like every other mark.

import { normalizeSpans, Span } from './spans';
import { TextBuffer } from './textBuffer';

/**
 * Adds the anchors of the gaps at positions `gaps` (offsets into `side`) to `spans` and
 * `lineMask` (which it sets in place); returns the new normalized spans.
 */
export function anchorGapsOnSide(side: TextBuffer, gaps: readonly number[], spans: Span[], lineMask: number[]): Span[] {
  const len = side.len;
  if (gaps.length === 0 || len === 0) return spans;
  const anchors: Span[] = [];
  for (const x of gaps) {
    anchors.push([x > 0 ? x - 1 : 0, x < len ? x + 1 : len]);
    lineMask[side.lineOf(x < len ? x : len - 1)] = 1;
  }
  return normalizeSpans([...spans, ...anchors]);
}
