import Table from 'cli-table3';

/** A cell: numbers are printed with `digits` decimals, everything else as text. */
export type Cell = string | number | undefined;

/** Renders rows under `head` as a boxed text table (cli-table3); numeric columns are right-aligned. */
export function renderTable(head: readonly string[], rows: readonly (readonly Cell[])[], digits = 3): string {
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || r[c] === undefined));
  const table = new Table({
    head: [...head],
    colAligns: numeric.map((n) => (n ? 'right' : 'left')),
    style: { head: [], border: [] },
  });
  for (const r of rows) table.push(r.map((v) => (v === undefined ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v)));
  return table.toString();
}
