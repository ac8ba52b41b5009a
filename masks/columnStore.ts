// Column storage for the bit-parallel dynamic programs (Levenshtein in levenshtein.ts, LCS in
// lineDiff.ts).
//
// Both programs sweep the second text column by column; the state of one column is a few bit
// vectors over the first text (`words` Int32 words in all). A traceback walks from the last column
// back to column 0 and needs the state of the column it stands on and of the one before it.
//
// Keeping every column costs (columns + 1) * words Int32s, which is what we do whenever that fits
// in `maxWords` (the common case by far). Two long, dissimilar texts (say 100 000 code points each)
// would need more than a gigabyte, so above that bound we keep only every K-th column
// ("checkpoints", K about sqrt(columns)) during the forward sweep and, during the traceback,
// recompute the K columns of one block at a time from its checkpoint. That doubles the time of the
// forward sweep but keeps the memory at O(sqrt(columns) * words), and, unlike Hirschberg's
// divide and conquer, it replays exactly the same matrix, so the traceback (and its tie-break) is
// the same whichever storage was used.

/** One column recurrence of a bit-parallel dynamic program. */
export interface ColumnKernel {
  /** Int32 words of state per column. */
  readonly words: number;
  /** Writes the state of column 0 into `dst` at `dstOff`. */
  init(dst: Int32Array, dstOff: number): void;
  /** Computes column `j` (1-based) from column j - 1 (`src` at `srcOff`) into `dst` at `dstOff`. */
  step(j: number, src: Int32Array, srcOff: number, dst: Int32Array, dstOff: number): void;
}

/** Default bound on the Int32 words kept for a full matrix: 2^23 words = 32 MiB. */
export const DEFAULT_MAX_WORDS = 1 << 23;

export class ColumnStore {
  /** The buffer that `column()` offsets point into. */
  buf: Int32Array;
  private readonly kernel: ColumnKernel;
  private readonly columns: number;
  private readonly full: boolean;
  private readonly blockSize: number;
  private readonly checkpoints: Int32Array | null;
  /** First column held in `buf` when not full (block b holds columns bK .. bK + K). */
  private blockStart = -1;
  private blockEnd = -1;
  /** The state of the last column is lastBuf[lastOff .. lastOff + words). */
  readonly lastBuf: Int32Array;
  readonly lastOff: number;

  /**
   * Runs the forward sweep over `columns` columns. `scratch`, when given, lends its buffer for the
   * full matrix (grown if too small) so that repeated calls do not allocate.
   */
  constructor(kernel: ColumnKernel, columns: number, maxWords: number = DEFAULT_MAX_WORDS, scratch?: { buf: Int32Array }) {
    this.kernel = kernel;
    this.columns = columns;
    const w = kernel.words;
    this.full = (columns + 1) * w <= maxWords;
    if (this.full) {
      this.blockSize = columns;
      this.checkpoints = null;
      const need = (columns + 1) * w;
      let buf: Int32Array;
      if (scratch === undefined) buf = new Int32Array(need);
      else {
        if (scratch.buf.length < need) scratch.buf = new Int32Array(Math.max(need, scratch.buf.length * 2));
        buf = scratch.buf;
      }
      kernel.init(buf, 0);
      for (let j = 1; j <= columns; j++) kernel.step(j, buf, (j - 1) * w, buf, j * w);
      this.buf = buf;
      this.blockStart = 0;
      this.blockEnd = columns;
      this.lastBuf = buf;
      this.lastOff = columns * w;
      return;
    }
    const k = Math.max(1, Math.ceil(Math.sqrt(columns + 1)));
    this.blockSize = k;
    const nCheck = Math.floor(columns / k) + 1;
    const checkpoints = new Int32Array(nCheck * w);
    const roll = new Int32Array(2 * w);
    kernel.init(roll, 0);
    checkpoints.set(roll.subarray(0, w), 0);
    let cur = 0;
    for (let j = 1; j <= columns; j++) {
      const nxt = cur ^ 1;
      kernel.step(j, roll, cur * w, roll, nxt * w);
      cur = nxt;
      if (j % k === 0) checkpoints.set(roll.subarray(cur * w, cur * w + w), (j / k) * w);
    }
    this.checkpoints = checkpoints;
    this.lastBuf = roll.slice(cur * w, cur * w + w);
    this.lastOff = 0;
    this.buf = new Int32Array((k + 1) * w);
  }

  /** Whether the whole matrix is held (no recomputation); exposed for tests. */
  isFull(): boolean {
    return this.full;
  }

  /**
   * Offset in `this.buf` of the state of column `j`. When not full, the traceback must ask for
   * columns in non-increasing order of blocks (it does: it only moves left).
   */
  column(j: number): number {
    const w = this.kernel.words;
    if (this.full) return j * w;
    if (j >= this.blockStart && j <= this.blockEnd) return (j - this.blockStart) * w;
    // Load the block (bK, bK + K] that contains j, together with its left edge bK, so that the
    // traceback can also read column j - 1 without another reload.
    const k = this.blockSize;
    const b = j === 0 ? 0 : Math.floor((j - 1) / k);
    const start = b * k;
    const end = Math.min(start + k, this.columns);
    const buf = this.buf;
    buf.set((this.checkpoints as Int32Array).subarray(b * w, b * w + w), 0);
    for (let t = start + 1; t <= end; t++) {
      this.kernel.step(t, buf, (t - 1 - start) * w, buf, (t - start) * w);
    }
    this.blockStart = start;
    this.blockEnd = end;
    return (j - start) * w;
  }
}
