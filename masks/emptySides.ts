// How many masked pairs have a side without any marked character. On such a pair the trainer's
// ratio of the two sides' mean losses is 1 (W = alpha - 1, no emphasis); it happens when the
// incorrect response only leaves code out or only adds code, unless anchorGaps is on
// (anchorGaps.ts), and on a side whose marks all fell outside code blocks (segments 'code').

import type { PairStats } from './pairMask';

export interface EmptySides {
  /** Pairs whose correct response has no marked character. */
  emptyCorrectSide: number;
  /** Pairs whose incorrect response has no marked character. */
  emptyIncorrectSide: number;
}

export function countEmptySides(masks: Iterable<{ stats: PairStats }>): EmptySides {
  let emptyCorrectSide = 0;
  let emptyIncorrectSide = 0;
  for (const m of masks) {
    if (m.stats.markedCharsCorrect === 0) emptyCorrectSide++;
    if (m.stats.markedCharsIncorrect === 0) emptyIncorrectSide++;
  }
  return { emptyCorrectSide, emptyIncorrectSide };
}

/** "N with an empty correct side, M with an empty incorrect side". */
export function formatEmptySides(e: EmptySides): string {
  return `${e.emptyCorrectSide} with an empty correct side, ${e.emptyIncorrectSide} with an empty incorrect side`;
}
