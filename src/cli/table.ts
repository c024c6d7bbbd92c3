/** Plain-text tables for people: aligned columns, numbers right-aligned, a rule under the header. */
export const table = (headers: string[], rows: Array<Array<string | number>>): string => {
  const cells = [headers, ...rows.map((row) => row.map(String))];
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
    ...rows.map((row) => line(row.map(String), row)),
  ].join('\n');
};

/** One line of at most `width` characters, for a table cell: messages may span lines. */
export const oneLine = (text: string, width: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1).trimEnd()}…` : flat;
};
