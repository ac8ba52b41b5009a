// Internal: one pass over a string that yields its code points and its line ends, into reusable
// buffers. maskPair runs this once per text; allocating fresh typed arrays for every pair costs
// more than the whole alignment of two similar texts (V8 allocates typed arrays above 64 bytes
// outside the heap), so the buffers grow and are reused. Nothing that leaves maskPair points into
// them. The line rule is the one of lines.ts.

export class TextBuffer {
  /** Code points, valid in [0, len). */
  cps: Int32Array = new Int32Array(4096);
  len = 0;
  /** Code-point end (exclusive, after its "\n" if any) of each line, valid in [0, lines). */
  lineEnds: Int32Array = new Int32Array(256);
  lines = 0;

  /** Fills the buffer from `text`. */
  decode(text: string): void {
    const n = text.length;
    if (this.cps.length < n) this.cps = new Int32Array(Math.max(n, this.cps.length * 2));
    const cps = this.cps;
    let ends = this.lineEnds;
    let lines = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const u = text.charCodeAt(i);
      if (u < 0xd800) {
        cps[k++] = u;
        if (u === 10) {
          if (lines === ends.length) ends = this.growEnds(lines);
          ends[lines++] = k;
        }
        continue;
      }
      if (u <= 0xdbff && i + 1 < n) {
        const v = text.charCodeAt(i + 1);
        if (v >= 0xdc00 && v <= 0xdfff) {
          cps[k++] = ((u - 0xd800) << 10) + (v - 0xdc00) + 0x10000;
          i++;
          continue;
        }
      }
      cps[k++] = u;
    }
    if (lines === 0 ? k > 0 : ends[lines - 1] < k) {
      if (lines === ends.length) ends = this.growEnds(lines);
      ends[lines++] = k;
    }
    this.len = k;
    this.lines = lines;
  }

  private growEnds(used: number): Int32Array {
    const bigger = new Int32Array(this.lineEnds.length * 2);
    bigger.set(this.lineEnds.subarray(0, used));
    this.lineEnds = bigger;
    return bigger;
  }

  lineStart(k: number): number {
    return k === 0 ? 0 : this.lineEnds[k - 1];
  }

  /** The line that holds code point `x` (0 <= x < len): the first line whose end is past x. */
  lineOf(x: number): number {
    const ends = this.lineEnds;
    let lo = 0;
    let hi = this.lines - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Whether line i of x and line j of y have the same code points. */
export function sameLine(x: TextBuffer, i: number, y: TextBuffer, j: number): boolean {
  const xs = i === 0 ? 0 : x.lineEnds[i - 1];
  const ys = j === 0 ? 0 : y.lineEnds[j - 1];
  const len = x.lineEnds[i] - xs;
  if (y.lineEnds[j] - ys !== len) return false;
  const xc = x.cps;
  const yc = y.cps;
  for (let t = 0; t < len; t++) if (xc[xs + t] !== yc[ys + t]) return false;
  return true;
}
