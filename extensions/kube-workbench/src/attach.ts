/**
 * What a question carries from the notebook: the active cell's source and its error output.
 *
 * Pure functions over the cell's nbformat JSON, so they are tested without a notebook.
 */

import type { CellAttachment } from './wire';

/** The nbformat fields of a cell these functions read. */
export interface ICellJSON {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: IOutputJSON[];
}

export interface IOutputJSON {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** Characters of source and of error output attached (the server cuts further to the agent's budget). */
export const MAX_ATTACHED = 6000;

// ANSI escape sequences (IPython colours its tracebacks).
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function joined(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join('') : (value ?? '');
}

/** The last ``max`` characters of ``text`` (the end of a traceback says what failed). */
function tail(text: string, max: number): string {
  return text.length <= max ? text : '… ' + text.slice(text.length - max + 2);
}

/** The error a cell printed: its exceptions' tracebacks and anything it wrote to stderr. */
export function errorOutput(cell: ICellJSON): string {
  const parts: string[] = [];
  for (const output of cell.outputs ?? []) {
    if (output.output_type === 'error') {
      const trace = (output.traceback ?? []).map(stripAnsi).join('\n');
      parts.push(trace || `${output.ename ?? 'Error'}: ${output.evalue ?? ''}`);
    } else if (output.output_type === 'stream' && output.name === 'stderr') {
      parts.push(stripAnsi(joined(output.text)));
    }
  }
  return parts.join('\n').trim();
}

/** Whether the cell failed (an error output): the panel then offers "why did this fail?". */
export function hasError(cell: ICellJSON): boolean {
  return (cell.outputs ?? []).some(output => output.output_type === 'error');
}

/** The attachment for a cell, or null for an empty one. */
export function cellAttachment(cell: ICellJSON, max: number = MAX_ATTACHED): CellAttachment | null {
  const source = joined(cell.source).trim();
  const error = errorOutput(cell);
  if (!source && !error) {
    return null;
  }
  return { source: source.slice(0, max), error: tail(error, max) };
}

/** How the attachment is shown on the question ("cell [3]"). */
export function cellLabel(cell: ICellJSON): string {
  const count = cell.execution_count;
  return typeof count === 'number' ? `cell [${count}]` : 'the active cell';
}
