import { describe, expect, it } from 'vitest';

import { cellAttachment, cellLabel, errorOutput, hasError, stripAnsi, type ICellJSON } from '../src/attach';

const failed: ICellJSON = {
  cell_type: 'code',
  execution_count: 3,
  source: ['pods = cluster.frames().pods\n', 'pods["restarts"].plot()'],
  outputs: [
    { output_type: 'stream', name: 'stdout', text: 'pulled 14 pods\n' },
    { output_type: 'stream', name: 'stderr', text: 'warning: slow\n' },
    {
      output_type: 'error',
      ename: 'KeyError',
      evalue: "'restarts'",
      traceback: ['\u001b[0;31mKeyError\u001b[0m Traceback', "\u001b[0;31mKeyError\u001b[0m: 'restarts'"]
    }
  ]
};

describe('attaching the active cell', () => {
  it('strips the colours of a traceback', () => {
    expect(stripAnsi('\u001b[0;31mKeyError\u001b[0m: x')).toBe('KeyError: x');
  });

  it('takes the source and the error output (stderr and tracebacks, not stdout)', () => {
    expect(hasError(failed)).toBe(true);
    expect(errorOutput(failed)).toBe("warning: slow\n\nKeyError Traceback\nKeyError: 'restarts'");
    expect(cellAttachment(failed)).toEqual({
      source: 'pods = cluster.frames().pods\npods["restarts"].plot()',
      error: "warning: slow\n\nKeyError Traceback\nKeyError: 'restarts'"
    });
    expect(cellLabel(failed)).toBe('cell [3]');
  });

  it('keeps the end of a long traceback (where the error is)', () => {
    const long: ICellJSON = {
      cell_type: 'code',
      source: 'x',
      outputs: [{ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['a'.repeat(100), 'ValueError: the end'] }]
    };
    const error = cellAttachment(long, 40)?.error ?? '';
    expect(error.length).toBeLessThanOrEqual(40);
    expect(error.endsWith('ValueError: the end')).toBe(true);
  });

  it('attaches nothing for an empty cell, and names a cell never run by what it is', () => {
    expect(cellAttachment({ cell_type: 'code', source: '  ', outputs: [] })).toBeNull();
    expect(cellLabel({ cell_type: 'code', source: 'x', execution_count: null })).toBe('the active cell');
    expect(hasError({ cell_type: 'markdown', source: '# hi' })).toBe(false);
  });
});
