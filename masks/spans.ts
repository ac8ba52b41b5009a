// Character spans: sorted, merged, half-open [start, end) intervals of code-point offsets.
//
// "Merged" means that overlapping and also touching spans are joined ([1,2) + [2,3) = [1,3)), so
// a set of marked positions has exactly one span representation, and two masks can be compared
// with deep equality.

export type Span = [number, number];

/** Spans covering the given positions, which must be in increasing order. */
export function spansFromSortedPositions(positions: ArrayLike<number>, count: number = positions.length): Span[] {
  const out: Span[] = [];
  let k = 0;
  while (k < count) {
    const start = positions[k];
    let end = start + 1;
    k++;
    while (k < count && positions[k] <= end) {
      if (positions[k] === end) end++;
      k++;
    }
    out.push([start, end]);
  }
  return out;
}

/** Sorts and merges arbitrary spans (empty spans are dropped). */
export function normalizeSpans(spans: readonly (readonly [number, number])[]): Span[] {
  const sorted = spans.filter((s) => s[1] > s[0]).map((s): Span => [s[0], s[1]]);
  sorted.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (last !== undefined && s[0] <= last[1]) {
      if (s[1] > last[1]) last[1] = s[1];
    } else out.push(s);
  }
  return out;
}

/** Intersection of two normalized span lists. */
export function intersectSpans(x: readonly Span[], y: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const lo = Math.max(x[i][0], y[j][0]);
    const hi = Math.min(x[i][1], y[j][1]);
    if (lo < hi) {
      const last = out.length > 0 ? out[out.length - 1] : undefined;
      if (last !== undefined && last[1] === lo) last[1] = hi;
      else out.push([lo, hi]);
    }
    if (x[i][1] < y[j][1]) i++;
    else j++;
  }
  return out;
}

/** Total number of positions covered. */
export function spansLength(spans: readonly (readonly [number, number])[]): number {
  let t = 0;
  for (const s of spans) t += s[1] - s[0];
  return t;
}

/** True when the spans are sorted, merged (no overlap, no contact), non-empty and in [0, length]. */
export function isNormalized(spans: readonly (readonly [number, number])[], length: number): boolean {
  let prevEnd = -1;
  for (const s of spans) {
    if (!Number.isInteger(s[0]) || !Number.isInteger(s[1])) return false;
    if (s[0] < 0 || s[1] > length || s[0] >= s[1]) return false;
    if (s[0] <= prevEnd) return false;
    prevEnd = s[1];
  }
  return true;
}
