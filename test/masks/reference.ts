// Independent, deliberately naive O(n*m) references for the tests (no code shared with masks/).
// This file has no tests of its own; node --test only loads it.

/** Code points of a string via the iterator (independent of masks/codePoints.ts). */
export function cps(text: string): number[] {
  return Array.from(text, (ch) => ch.codePointAt(0) as number);
}

/** The set of positions covered by half-open spans. */
export function positions(spans: readonly (readonly [number, number])[]): Set<number> {
  const s = new Set<number>();
  for (const [x, y] of spans) for (let k = x; k < y; k++) s.add(k);
  return s;
}

/** Full Levenshtein DP matrix D[i][j] between a[0:i] and c[0:j]. */
export function levenshteinMatrix(a: readonly number[], c: readonly number[]): number[][] {
  const D: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    D.push(new Array<number>(c.length + 1).fill(0));
    D[i][0] = i;
  }
  for (let j = 0; j <= c.length; j++) D[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= c.length; j++) {
      D[i][j] = Math.min(D[i - 1][j] + 1, D[i][j - 1] + 1, D[i - 1][j - 1] + (a[i - 1] === c[j - 1] ? 0 : 1));
    }
  }
  return D;
}

export function levenshteinDistance(a: readonly number[], c: readonly number[]): number {
  const D = levenshteinMatrix(a, c);
  return D[a.length][c.length];
}

export type RefOp = ['delete' | 'insert' | 'replace', number, number];

/**
 * The documented tie-break, straight from its definition: common prefix, then common suffix;
 * the middle traced back from the end preferring deletion, substitution, insertion, match.
 */
export function referenceEditops(a: readonly number[], c: readonly number[]): RefOp[] {
  let p = 0;
  while (p < a.length && p < c.length && a[p] === c[p]) p++;
  let s = 0;
  while (s < a.length - p && s < c.length - p && a[a.length - 1 - s] === c[c.length - 1 - s]) s++;
  const am = a.slice(p, a.length - s);
  const cm = c.slice(p, c.length - s);
  const D = levenshteinMatrix(am, cm);
  const ops: RefOp[] = [];
  let i = am.length;
  let j = cm.length;
  while (i > 0 || j > 0) {
    const d = D[i][j];
    if (i > 0 && D[i - 1][j] === d - 1) {
      i--;
      ops.push(['delete', p + i, p + j]);
    } else if (i > 0 && j > 0 && D[i - 1][j - 1] === d - 1) {
      i--;
      j--;
      ops.push(['replace', p + i, p + j]);
    } else if (j > 0 && D[i][j - 1] === d - 1) {
      j--;
      ops.push(['insert', p + i, p + j]);
    } else {
      if (!(i > 0 && j > 0 && am[i - 1] === cm[j - 1] && D[i - 1][j - 1] === d)) throw new Error('reference traceback stuck');
      i--;
      j--;
    }
  }
  return ops.reverse();
}

/** LCS length of two sequences. */
export function lcsLength<T>(a: readonly T[], c: readonly T[]): number {
  let prev = new Array<number>(c.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(c.length + 1).fill(0);
    for (let j = 1; j <= c.length; j++) {
      cur[j] = a[i - 1] === c[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    prev = cur;
  }
  return prev[c.length];
}

/** Lines as defined in masks/lines.ts, with String.prototype.split (independent code path). */
export function referenceLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const out = parts.map((x, k) => (k < parts.length - 1 ? x + '\n' : x));
  if (out[out.length - 1] === '') out.pop();
  return out;
}
