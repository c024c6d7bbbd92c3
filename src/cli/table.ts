/**
 * Plain-text tables for people: aligned columns, numbers right-aligned, a rule under the header.
 * A cell is one line: text that spans lines (a reason typed with line breaks) is joined with
 * spaces, or it would break every row after it.
 */
export const table = (headers: string[], rows: Array<Array<string | number>>): string => {
  const text = (cell: string | number) =>
    typeof cell === 'number' ? String(cell) : cell.replace(/\s*[\r\n]+\s*/g, ' ');
  const body = rows.map((row) => row.map(text));
  const cells = [headers, ...body];
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[], source: Array<string | number>) =>
    row
      .map((cell, c) =>
        typeof source[c] === 'number' ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    line(headers, headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((row, r) => line(row, rows[r] ?? [])),
  ].join('\n');
};

/** One line of at most `width` characters, for a table cell: messages may span lines. */
export const oneLine = (text: string, width: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1).trimEnd()}…` : flat;
};
