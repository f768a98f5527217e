/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned.
 */

export type Align = 'left' | 'right';

/**
 * @example
 * renderTable(['function', 'bytes'], [['provision', '1,228,206']], ['left', 'right']);
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return align[column] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** `1234567` -> `1,234,567`. */
export function bytes(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** `0.1834` -> `18%`. */
export function percent(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}
