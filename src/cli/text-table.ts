/**
 * @module Plain-text tables for the CLI's listings: columns padded to their widest cell, a dashed
 * rule under the header, trailing spaces trimmed.
 */

export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (row: readonly string[]) =>
    `${row
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd()}\n`;
  return (
    render(header) + render(widths.map((width) => '-'.repeat(width))) + rows.map(render).join('')
  );
}
