/**
 * Splits a lane's stderr (the solutions' stray output) into samples. After each check the runner
 * writes `\0FAIT-END <nonce>\0` to stderr and sends the nonce with the verdict on its channel; the
 * sample's output is what stderr carried before that mark. The two pipes are read in whatever order
 * the OS delivers them, so counting "output since the command was sent" would let a sample's late
 * bytes fall to the next sample, or not count at all when the verdict came first. A nonce chosen
 * after the check cannot be forged by the solution, and a forged mark with another nonce is just
 * more output.
 */
const MARK = /\0FAIT-END ([0-9a-f]{32})\0/g;
export const MARK_LENGTH = '\0FAIT-END \0'.length + 32;

export class OutputMarks {
  /** Bytes of stderr read so far. */
  private total = 0;
  /** Where the output of the sample now running began. */
  private start = 0;
  /** Unmatched tail of the last chunk (a mark may span two chunks), latin1, and where it begins. */
  private carry = '';
  private carryAt = 0;
  /** Offsets of the marks seen but not yet claimed by a verdict: nonce -> [start, end). */
  private readonly seen = new Map<string, [number, number]>();

  add(chunk: Buffer): void {
    const text = this.carry + chunk.toString('latin1');
    const at = this.carryAt;
    let keepFrom = Math.max(0, text.length - (MARK_LENGTH - 1));
    for (const m of text.matchAll(MARK)) {
      const begin = at + m.index!;
      this.seen.set(m[1], [begin, begin + m[0].length]);
      keepFrom = Math.max(keepFrom, m.index! + m[0].length);
    }
    this.total += chunk.length;
    this.carry = text.slice(keepFrom);
    this.carryAt = at + keepFrom;
  }

  has(nonce: string): boolean {
    return this.seen.has(nonce);
  }

  /** Output of the running sample so far; until its end mark is claimed, it may include that mark. */
  pending(): number {
    return this.total - this.start;
  }

  /** The output of the sample that ended with this mark; the next sample's output starts after it. */
  take(nonce: string): number {
    const span = this.seen.get(nonce);
    if (!span) throw new Error(`no output mark ${nonce}`);
    const printed = span[0] - this.start;
    this.start = span[1];
    // Marks before this one (forged, or of earlier samples) can no longer be claimed.
    for (const [k, [b]] of this.seen) if (b <= span[0]) this.seen.delete(k);
    return printed;
  }
}
