/** A plain text table: a header row and columns padded to their widest cell (code points). */
export function writeTable(out: NodeJS.WritableStream, header: string[], rows: string[][]): void {
  const width = (s: string) => [...s].length;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  for (const row of [header, ...rows]) {
    const cells = row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i] - width(cell))));
    out.write(`${cells.join('  ')}\n`);
  }
}
