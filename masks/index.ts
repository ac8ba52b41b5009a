// FAIT error-sensitive segments: line masks and character spans of (correct, incorrect) pairs.
// Pure functions, no I/O. See pairMask.ts for the definition and the other files for each part.

export { toCodePoints, codePointLength } from './codePoints';
export { splitLines, Lines } from './lines';
export { diffLineKeys, LineDiff } from './lineDiff';
export { align, editDistance, toEditops, Alignment, AlignOptions, OP_DELETE, OP_INSERT, OP_REPLACE } from './levenshtein';
export { Span, spansFromSortedPositions, normalizeSpans, intersectSpans, spansLength, isNormalized } from './spans';
export { codeLineFlags, codeSpans, openingFenceLength, isClosingFence } from './codeBlocks';
export { maskPair, MaskOptions, PairMask, PairStats, SideMask, Segments } from './pairMask';
export { anchorGapsOnSide } from './anchorGaps';
export { countEmptySides, formatEmptySides, EmptySides } from './emptySides';
export {
  maskRecord,
  maskRecords,
  maskJsonLine,
  formatMaskLine,
  DEFAULT_MAX_CHARS,
  RecordOptions,
  RecordResult,
  RecordError,
  RecordId,
  MaskLine,
} from './records';
