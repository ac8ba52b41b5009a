// Character alignment: an optimal Levenshtein edit script (insert / delete / substitute, each of
// cost 1) that transforms the incorrect text `a` into the correct text `c`, over code points.
//
// FAIT marks an inserted character in c, a deleted one in a, and a substituted one in both, so we
// need the edit script itself, not just the distance. An insert/delete-only diff (Myers, jsdiff's
// diffChars) is a different alignment ("x" -> "y" is one substitution, not a deletion plus an
// insertion) and marks different characters, so it is not used here.
//
// Which optimal script (tie-break). When several edit scripts have the minimal cost we return the
// one Python's `Levenshtein.editops(a, c)` returns (python-Levenshtein >= 0.20, which is
// RapidFuzz's `Levenshtein.editops`, see its pure-Python `Levenshtein_py.editops`), so that the
// TypeScript masks and a researcher's Python script agree character for character:
//   1. the longest common prefix is matched, then the longest common suffix of what remains;
//   2. the middle is traced back from its end (i, j) through the DP matrix D (D[i][j] = distance
//      between a[0:i] and c[0:j]); with d = D[i][j], the first applicable move is taken:
//        deletion of a[i-1]          if D[i-1][j]   == d - 1,
//        substitution a[i-1]->c[j-1] if D[i-1][j-1] == d - 1,
//        insertion of c[j-1]         if D[i][j-1]   == d - 1,
//        otherwise a match (then a[i-1] == c[j-1] and D[i-1][j-1] == d).
//      RapidFuzz states the same rule on its bit vectors ("deletion if VP[i][j]; else insertion
//      if VN[i][j-1]; else diagonal"): when deletion is not optimal, D[i-1][j-1] is d - 1 (a
//      substitution; then D[i][j-1] cannot be D[i-1][j-1] - 1) or d, and then VN[i][j-1] holds
//      exactly when D[i][j-1] == d - 1. In short: deletion > substitution > insertion > match.
//      The tests check this rule against an O(n*m) DP reference, and the benchmark checks that the
//      marks equal those of Python's Levenshtein.editops on realistic pairs.
// Caveat: RapidFuzz's C++ editops switches to Hirschberg's divide and conquer for long dissimilar
// inputs (seen from a few thousand characters on), where its choice among the optimal scripts can
// differ from its own pure-Python version and from ours; the distance is always the same.
//
// Algorithms. After stripping the common prefix and suffix (n, m = lengths of the middles):
//   * Similar texts (the FAIT case: a correct response and a close incorrect variant) go through
//     the diagonal "furthest reaching" algorithm of Ukkonen (1985) / Landau-Vishkin (1989): for
//     each cost d it records, per diagonal k = j - i, the furthest row reachable with cost <= d,
//     then slides along matching characters. Time O((n + m) * D) in the worst case and typically
//     O(n + m + D^2); memory O(D^2) for the per-level rows that the traceback reads. The traceback
//     asks "D[i][j] <= e ?" as "the furthest row of level e on diagonal j - i is >= i", which is
//     exact because D never decreases along a diagonal.
//   * Dissimilar texts go through Myers' (1999) bit-parallel algorithm in Hyyrö's (2001/2004)
//     formulation with 32-bit words: O(m * ceil(n / 32)) time whatever D is, vertical-delta bit
//     vectors VP/VN kept per column (checkpointed above 32 MiB, see columnStore.ts), and the
//     RapidFuzz traceback. Two unrelated texts of 100 000 code points take a few seconds.
//   * The choice: one diagonal step costs about one bit-parallel word step, so the diagonal
//     algorithm is skipped when a cheap lower bound of D (character-count surplus) already gives
//     D^2 > m * ceil(n / 32), and abandoned once it has spent that many steps.
// Both paths implement the same tie-break, so the result does not depend on which one ran.
// Typed arrays are reused between calls (see textBuffer.ts); the functions are not re-entrant,
// which JavaScript's single thread per isolate makes safe (each worker has its own module copy).

import { ColumnKernel, ColumnStore, DEFAULT_MAX_WORDS } from './columnStore';

/** Edit operation kinds, as in Python's Levenshtein.editops ("equal" is never recorded). */
export const OP_DELETE = 1;
export const OP_INSERT = 2;
export const OP_REPLACE = 3;

export const OP_NAMES: Record<number, 'delete' | 'insert' | 'replace'> = {
  [OP_DELETE]: 'delete',
  [OP_INSERT]: 'insert',
  [OP_REPLACE]: 'replace',
};

/**
 * An optimal edit script from `a` (source) to `c` (destination), in increasing position order.
 * Positions follow Python's Levenshtein.editops: for a deletion, src is the deleted index in a and
 * dest the position in c before which it would have stood; for an insertion, dest is the inserted
 * index in c and src the position in a; for a replacement, both are the replaced indices.
 */
export interface Alignment {
  distance: number;
  substitutions: number;
  insertions: number;
  deletions: number;
  kinds: Uint8Array;
  src: Int32Array;
  dest: Int32Array;
  /** Which algorithm aligned the middle part (for tests and the benchmark). */
  method: 'trivial' | 'diagonal' | 'bitParallel';
}

export interface AlignOptions {
  /** Force one algorithm (tests); 'auto' (default) picks as described above. */
  method?: 'auto' | 'diagonal' | 'bitParallel';
  /** Bound on the Int32 words of a full bit-parallel matrix before checkpointing (tests). */
  maxWords?: number;
}

const NEG = -0x40000000;

/**
 * The edit script of the last alignment, filled from the end by a traceback. One module-level
 * instance whose arrays grow and are reused (see textBuffer.ts for why we avoid allocating typed
 * arrays per pair); `align` copies the result out, maskPair reads it directly.
 */
class ScriptBuilder {
  kinds: Uint8Array = new Uint8Array(1024);
  src: Int32Array = new Int32Array(1024);
  dest: Int32Array = new Int32Array(1024);
  pos = 0;
  subs = 0;
  ins = 0;
  dels = 0;
  reset(distance: number): void {
    if (this.kinds.length < distance) {
      const size = Math.max(distance, this.kinds.length * 2);
      this.kinds = new Uint8Array(size);
      this.src = new Int32Array(size);
      this.dest = new Int32Array(size);
    }
    this.pos = distance;
    this.subs = 0;
    this.ins = 0;
    this.dels = 0;
  }
  push(kind: number, s: number, d: number): void {
    const p = --this.pos;
    this.kinds[p] = kind;
    this.src[p] = s;
    this.dest[p] = d;
    if (kind === OP_REPLACE) this.subs++;
    else if (kind === OP_INSERT) this.ins++;
    else this.dels++;
  }
  check(distance: number): void {
    if (this.pos !== 0) throw new Error(`internal error: traceback produced ${distance - this.pos} of ${distance} edits`);
  }
}

/** The script of the last `alignCore` call: ops [0, distance) of `script`. */
export const script = new ScriptBuilder();

/** What `alignCore` returns besides the script. */
export interface CoreResult {
  distance: number;
  method: Alignment['method'];
  /** Lengths of the common prefix and of the common suffix (of the rest) that were matched. */
  prefix: number;
  suffix: number;
}

/**
 * Aligns a[0:la) with c[0:lc) and leaves the edit script in `script`. Internal: the arrays may be
 * longer than la / lc (reused buffers).
 */
export function alignCore(a: Int32Array, la: number, c: Int32Array, lc: number, options: AlignOptions = {}): CoreResult {
  // 1. Common prefix, then common suffix of the rest (the order RapidFuzz uses).
  let p = 0;
  const lim = la < lc ? la : lc;
  while (p < lim && a[p] === c[p]) p++;
  let s = 0;
  while (s < lim - p && a[la - 1 - s] === c[lc - 1 - s]) s++;
  const n = la - p - s;
  const m = lc - p - s;
  if (n === 0 || m === 0) {
    script.reset(n + m);
    for (let j = m - 1; j >= 0; j--) script.push(OP_INSERT, p, p + j);
    for (let i = n - 1; i >= 0; i--) script.push(OP_DELETE, p + i, p);
    return { distance: n + m, method: 'trivial', prefix: p, suffix: s };
  }
  const method = options.method ?? 'auto';
  if (method === 'diagonal') {
    const d = diagonalAlign(a, c, p, n, m, Infinity);
    if (d >= 0) return { distance: d, method: 'diagonal', prefix: p, suffix: s };
  } else if (method === 'auto') {
    // The diagonal algorithm costs about D^2 steps, the bit-parallel one m * ceil(n / 32) word
    // steps, and one of each costs about the same (measured with bench/masks.ts). D is not known
    // in advance, so: skip the diagonal algorithm when a cheap lower bound of D already makes it
    // the slower one, and otherwise give up on it once it has spent that much.
    const budget = Math.max(256, m * ((n + 31) >>> 5));
    const lb = histogramLowerBound(a, c, p, n, m);
    if (lb * lb <= budget) {
      const d = diagonalAlign(a, c, p, n, m, budget);
      if (d >= 0) return { distance: d, method: 'diagonal', prefix: p, suffix: s };
    }
  }
  const d = bitParallelAlign(a, c, p, n, m, options.maxWords ?? DEFAULT_MAX_WORDS);
  return { distance: d, method: 'bitParallel', prefix: p, suffix: s };
}

const histogram = new Int32Array(128);

/**
 * A lower bound of the Levenshtein distance between a[p:p+n) and c[p:p+m): every edit changes the
 * multiset of characters by at most one removal and one addition, so D >= max(surplus of a,
 * surplus of c) over the character counts. Characters are counted in 128 buckets (code point mod
 * 128), which can only lower the bound, so it stays valid.
 */
export function histogramLowerBound(a: Int32Array, c: Int32Array, p: number, n: number, m: number): number {
  const h = histogram.fill(0);
  for (let i = p; i < p + n; i++) h[a[i] & 127]++;
  for (let j = p; j < p + m; j++) h[c[j] & 127]--;
  let surplusA = 0;
  let surplusC = 0;
  for (let k = 0; k < 128; k++) {
    const v = h[k];
    if (v > 0) surplusA += v;
    else surplusC -= v;
  }
  return surplusA > surplusC ? surplusA : surplusC;
}

/** An optimal Levenshtein edit script from `a` to `c` (arrays of code points). */
export function align(a: Int32Array, c: Int32Array, options: AlignOptions = {}): Alignment {
  const r = alignCore(a, a.length, c, c.length, options);
  return {
    distance: r.distance,
    substitutions: script.subs,
    insertions: script.ins,
    deletions: script.dels,
    kinds: script.kinds.slice(0, r.distance),
    src: script.src.slice(0, r.distance),
    dest: script.dest.slice(0, r.distance),
    method: r.method,
  };
}

/** Levenshtein distance between two code-point arrays. */
export function editDistance(a: Int32Array, c: Int32Array): number {
  return alignCore(a, a.length, c, c.length).distance;
}

// ---------------------------------------------------------------------------------------------
// Diagonal (Ukkonen / Landau-Vishkin) algorithm.

let frBuf = new Int32Array(1 << 12);
/** Reused buffers larger than this many entries are dropped after use. */
const BIG_BUFFER = 1 << 20;

function diagonalAlign(
  a: Int32Array,
  c: Int32Array,
  p: number,
  n: number,
  m: number,
  budget: number,
): number {
  // Level d occupies fr[d*d .. (d+1)*(d+1)), entry d*d + d + k for diagonal k in [-d, d].
  // fr value = furthest row i (0 <= i <= n) on diagonal k with D[i][i+k] <= d, or NEG.
  let fr = frBuf;
  const target = m - n;
  const maxLevels = 1 << 12; // (2^12)^2 = 2^24 entries at most
  let work = 0;
  // Level 0: slide from the origin.
  {
    let i = 0;
    while (i < n && i < m && a[p + i] === c[p + i]) i++;
    fr[0] = i;
    work += i;
  }
  let d = 0;
  if (!(target === 0 && fr[0] >= n)) {
    for (;;) {
      d++;
      if (d >= maxLevels) {
        frBuf = new Int32Array(1 << 12);
        return -1;
      }
      const base = d * d;
      const need = (d + 1) * (d + 1);
      if (need > fr.length) {
        const bigger = new Int32Array(Math.max(need, fr.length * 2));
        bigger.set(fr.subarray(0, base));
        fr = bigger;
        frBuf = bigger;
      }
      const prev = (d - 1) * (d - 1) + (d - 1); // index of diagonal 0 at level d-1
      const cur = base + d; // index of diagonal 0 at level d
      const kLo = d < n ? -d : -n;
      const kHi = d < m ? d : m;
      for (let k = -d; k < kLo; k++) fr[cur + k] = NEG;
      for (let k = kHi + 1; k <= d; k++) fr[cur + k] = NEG;
      for (let k = kLo; k <= kHi; k++) {
        let best = NEG;
        // substitution: same diagonal, one row further
        if (k > -d && k < d) best = fr[prev + k] + 1;
        // deletion of a[i]: from diagonal k + 1, one row further
        if (k + 1 < d) {
          const v = fr[prev + k + 1] + 1;
          if (v > best) best = v;
        }
        // insertion of c[j]: from diagonal k - 1, same row
        if (k - 1 > -d) {
          const v = fr[prev + k - 1];
          if (v > best) best = v;
        }
        const end = n < m - k ? n : m - k;
        if (best > end) best = end;
        // slide along matches
        const start = best;
        let off = p + k;
        while (best < end && a[p + best] === c[off + best]) best++;
        work += best - start + 1;
        fr[cur + k] = best;
      }
      if (target >= -d && target <= d && fr[cur + target] >= n) break;
      if (work > budget) {
        if (frBuf.length > BIG_BUFFER) frBuf = new Int32Array(1 << 12);
        return -1;
      }
    }
  }

  // Traceback with the documented tie-break. le(i, j, e) <=> D[i][j] <= e.
  const distance = d;
  const b = script;
  b.reset(distance);
  let i = n;
  let j = m;
  let e = distance;
  while (i > 0 && j > 0 && e > 0) {
    const e1 = e - 1;
    const row = e1 * e1 + e1; // diagonal 0 of level e - 1
    // deletion: (i-1, j) lies on diagonal j - i + 1
    let k = j - i + 1;
    if (k >= -e1 && k <= e1 && fr[row + k] >= i - 1) {
      i--;
      e--;
      b.push(OP_DELETE, p + i, p + j);
      continue;
    }
    // substitution: (i-1, j-1) on diagonal j - i
    k = j - i;
    if (k >= -e1 && k <= e1 && fr[row + k] >= i - 1) {
      i--;
      j--;
      e--;
      b.push(OP_REPLACE, p + i, p + j);
      continue;
    }
    // insertion: (i, j-1) on diagonal j - i - 1
    k = j - i - 1;
    if (k >= -e1 && k <= e1 && fr[row + k] >= i) {
      j--;
      e--;
      b.push(OP_INSERT, p + i, p + j);
      continue;
    }
    // match
    i--;
    j--;
  }
  // With e == 0 the rest is matches (i == j); otherwise one side is exhausted.
  if (e > 0) {
    while (j > 0) {
      j--;
      b.push(OP_INSERT, p + i, p + j);
    }
    while (i > 0) {
      i--;
      b.push(OP_DELETE, p + i, p + j);
    }
  }
  b.check(distance);
  // Do not keep a huge buffer alive after a rare pathological pair.
  if (frBuf.length > BIG_BUFFER) frBuf = new Int32Array(1 << 12);
  return distance;
}

// ---------------------------------------------------------------------------------------------
// Bit-parallel (Myers / Hyyrö) algorithm. Bits run over the middle of a (row i+1 <-> bit i),
// columns over the middle of c. Column state: VP words then VN words (vertical deltas +1 / -1).

class LevenshteinKernel implements ColumnKernel {
  readonly words: number;
  private readonly nw: number;
  private readonly eq: Int32Array;
  private readonly eqOff: Int32Array;
  constructor(nw: number, eq: Int32Array, eqOff: Int32Array) {
    this.nw = nw;
    this.words = 2 * nw;
    this.eq = eq;
    this.eqOff = eqOff;
  }
  init(dst: Int32Array, off: number): void {
    // Column 0: D[i][0] = i, every vertical delta is +1.
    dst.fill(-1, off, off + this.nw);
    dst.fill(0, off + this.nw, off + 2 * this.nw);
  }
  step(j: number, src: Int32Array, so: number, dst: Int32Array, dO: number): void {
    const nw = this.nw;
    const eq = this.eq;
    const eo = this.eqOff[j - 1];
    let addCarry = 0;
    let hpCarry = 1; // D[0][j] - D[0][j-1] = +1
    let hnCarry = 0;
    for (let w = 0; w < nw; w++) {
      const vp = src[so + w];
      const vn = src[so + nw + w];
      const pm = eq[eo + w];
      const sum = ((pm & vp) >>> 0) + (vp >>> 0) + addCarry;
      addCarry = sum > 0xffffffff ? 1 : 0;
      const d0 = ((sum | 0) ^ vp) | pm | vn;
      const hp = vn | ~(d0 | vp);
      const hn = vp & d0;
      const hps = (hp << 1) | hpCarry;
      hpCarry = hp >>> 31;
      const hns = (hn << 1) | hnCarry;
      hnCarry = hn >>> 31;
      dst[dO + w] = hns | ~(d0 | hps);
      dst[dO + nw + w] = hps & d0;
    }
  }
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

// Reused buffers of the bit-parallel path.
const bpAscii = new Int32Array(128);
let bpBlockOf = new Int32Array(1024);
let bpEq = new Int32Array(4096);
let bpEqOff = new Int32Array(1024);
const bpMatrix = { buf: new Int32Array(1 << 14) };

function bitParallelAlign(
  a: Int32Array,
  c: Int32Array,
  p: number,
  n: number,
  m: number,
  maxWords: number,
): number {
  const nw = (n + 31) >>> 5;
  // Pattern-match vectors: one block of nw words per distinct code point of a's middle; block 0
  // stays zero for code points that do not occur in a. Buffers are reused between calls.
  const ascii = bpAscii.fill(-1);
  let other: Map<number, number> | null = null;
  let blocks = 1;
  if (bpBlockOf.length < n) bpBlockOf = new Int32Array(Math.max(n, bpBlockOf.length * 2));
  const blockOf = bpBlockOf;
  for (let i = 0; i < n; i++) {
    const ch = a[p + i];
    let blk: number;
    if (ch < 128) {
      blk = ascii[ch];
      if (blk < 0) blk = ascii[ch] = blocks++;
    } else {
      if (other === null) other = new Map<number, number>();
      const got = other.get(ch);
      if (got === undefined) {
        blk = blocks++;
        other.set(ch, blk);
      } else blk = got;
    }
    blockOf[i] = blk;
  }
  if (bpEq.length < blocks * nw) bpEq = new Int32Array(Math.max(blocks * nw, bpEq.length * 2));
  const eq = bpEq;
  eq.fill(0, 0, blocks * nw);
  for (let i = 0; i < n; i++) eq[blockOf[i] * nw + (i >>> 5)] |= 1 << (i & 31);
  if (bpEqOff.length < m) bpEqOff = new Int32Array(Math.max(m, bpEqOff.length * 2));
  const eqOff = bpEqOff;
  for (let j = 0; j < m; j++) {
    const ch = c[p + j];
    const blk = ch < 128 ? ascii[ch] : other === null ? -1 : other.get(ch) ?? -1;
    eqOff[j] = blk < 0 ? 0 : blk * nw;
  }
  const kernel = new LevenshteinKernel(nw, eq, eqOff);
  const store = new ColumnStore(kernel, m, maxWords, bpMatrix);

  // D[n][m] = D[0][m] + sum of the vertical deltas of column m.
  const lastCol = store.lastBuf;
  const lo = store.lastOff;
  let distance = m;
  for (let w = 0; w < nw; w++) {
    const bits = n - w * 32;
    const mask = bits >= 32 ? -1 : (1 << bits) - 1;
    distance += popcount32(lastCol[lo + w] & mask) - popcount32(lastCol[lo + nw + w] & mask);
  }

  const b = script;
  b.reset(distance);
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    const word = (i - 1) >>> 5;
    const bit = 1 << ((i - 1) & 31);
    let off = store.column(j);
    if (store.buf[off + word] & bit) {
      // VP: D[i-1][j] == D[i][j] - 1
      i--;
      b.push(OP_DELETE, p + i, p + j);
      continue;
    }
    j--;
    if (j > 0) {
      off = store.column(j);
      if (store.buf[off + nw + word] & bit) {
        // VN at (i, j-1): D[i][j-1] == D[i][j] - 1 and the diagonal is not optimal
        b.push(OP_INSERT, p + i, p + j);
        continue;
      }
    }
    i--;
    if (a[p + i] !== c[p + j]) b.push(OP_REPLACE, p + i, p + j);
  }
  while (j > 0) {
    j--;
    b.push(OP_INSERT, p + i, p + j);
  }
  while (i > 0) {
    i--;
    b.push(OP_DELETE, p + i, p + j);
  }
  b.check(distance);
  if (bpMatrix.buf.length > BIG_BUFFER) bpMatrix.buf = new Int32Array(1 << 14);
  return distance;
}

/** The edit script as Python's Levenshtein.editops writes it: [kind, srcPos, destPos] triples. */
export function toEditops(al: Alignment): ['delete' | 'insert' | 'replace', number, number][] {
  const out: ['delete' | 'insert' | 'replace', number, number][] = new Array(al.distance);
  for (let t = 0; t < al.distance; t++) out[t] = [OP_NAMES[al.kinds[t]], al.src[t], al.dest[t]];
  return out;
}
