import type { HTMLAttributes, ReactNode } from 'react';
import { Table } from '@mantine/core';
import type { ApiState } from '../api/use-api';
import { ErrorState, Loading } from './states';

/** One column of a {@link DataTable}: its header (text, or e.g. a visually hidden label) and its cell per row. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
}

/**
 * The console's table: a header row from `columns`, one row per item. `rowKey` must be unique among `rows`;
 * `rowProps` adds attributes to a row (e.g. `data-agent` for tests and live updates); `testId` names the table.
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  rowProps,
  testId,
  striped = false,
  bordered = true,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  testId?: string;
  striped?: boolean;
  bordered?: boolean;
}) {
  return (
    <Table striped={striped} withTableBorder={bordered} data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          {columns.map((c, i) => (
            <Table.Th key={i}>{c.header}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={rowKey(row)} {...rowProps?.(row)}>
            {columns.map((c, i) => (
              <Table.Td key={i}>{c.cell(row)}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * The designed states of one API read ({@link ApiState}): a labelled spinner until the first answer, the error
 * with a retry, `empty` when `isEmpty(data)`, else `children(data)` — while reloading, the last data stays shown.
 * Nothing is blank.
 */
export function AsyncView<T>({
  state,
  loadingLabel,
  errorTitle,
  isEmpty,
  empty,
  children,
}: {
  state: ApiState<T>;
  loadingLabel: string;
  errorTitle: string;
  isEmpty: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (state.loading) return <Loading label={loadingLabel} />;
  if (state.error != null)
    return <ErrorState title={errorTitle} error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return null;
  return <>{isEmpty(state.data) ? empty : children(state.data)}</>;
}
