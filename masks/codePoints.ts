// Code-point views of JavaScript strings.
//
// Every offset that leaves this module tree is a Unicode code point index, not a UTF-16 code unit
// index: Python's `str` indexes code points, and the token mapping that consumes our spans is
// written in Python. An emoji such as "😀" is one position here (and in Python) although it is two
// UTF-16 units in a JS string. Converting once into an Int32Array also gives the hot loops of the
// aligners a flat typed array of small integers to compare instead of strings.
//
// A lone (unpaired) surrogate is kept as its own code point, as Python keeps it in a str decoded
// with "surrogatepass"; JSON can carry such strings, so we must not crash on them.

/** The code points of `text`, in order. */
export function toCodePoints(text: string): Int32Array {
  const n = text.length;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const v = text.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        out[k++] = ((u - 0xd800) << 10) + (v - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[k++] = u;
  }
  return k === n ? out : out.subarray(0, k);
}

/** Number of code points in `text` (what Python's len() returns). */
export function codePointLength(text: string): number {
  const n = text.length;
  let k = n;
  for (let i = 0; i < n; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const v = text.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        k--;
        i++;
      }
    }
  }
  return k;
}
