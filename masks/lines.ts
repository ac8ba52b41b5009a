// Splitting a response into lines.
//
// Rule (the same on the Python side): a text is split on "\n" only; a line owns its characters
// and its terminating "\n". Consequences, all deliberate:
//   * "\r" is an ordinary character of the line's content, so "x\r\n" and "x\n" are different
//     lines (a CRLF/LF change is a real edit of the response text, which the model must produce);
//   * a text ending with "\n" has no extra empty last line ("a\n" has one line, "a\nb" two);
//   * the empty text has zero lines, and "\n" has one (empty) line;
//   * because the terminator belongs to the line, "b" (last line, no newline) and "b\n" differ,
//     which matches Python's difflib on text.splitlines(keepends=True) and makes a line that only
//     gained or lost its final newline a changed line, consistent with the character marks.
// Line boundaries are reported in code points (see codePoints.ts).

export interface Lines {
  /** Number of lines. */
  count: number;
  /** Line contents including the terminating "\n" when present (used as diff keys). */
  texts: string[];
  /** Code-point offset where each line starts; starts[count] is the text's code-point length. */
  starts: Int32Array;
}

export function splitLines(text: string): Lines {
  const texts: string[] = [];
  const startsList: number[] = [];
  const n = text.length;
  let lineStart = 0; // UTF-16 index
  let cp = 0; // code points seen so far
  let lineStartCp = 0;
  for (let i = 0; i < n; i++) {
    const u = text.charCodeAt(i);
    if (u === 10) {
      texts.push(text.slice(lineStart, i + 1));
      startsList.push(lineStartCp);
      cp++;
      lineStart = i + 1;
      lineStartCp = cp;
      continue;
    }
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const v = text.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) i++;
    }
    cp++;
  }
  if (lineStart < n) {
    texts.push(text.slice(lineStart));
    startsList.push(lineStartCp);
  }
  const count = texts.length;
  const starts = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) starts[k] = startsList[k];
  starts[count] = cp;
  return { count, texts, starts };
}
