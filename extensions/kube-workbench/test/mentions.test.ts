import { describe, expect, it } from 'vitest';

import { MARKER, MAX_MENTIONS, frameSnippet, mentions, parseFrameAnswer } from '../src/mentions';

describe('@name mentions of DataFrames', () => {
  it('finds each mentioned name once, in order, not e-mail addresses', () => {
    expect(mentions('why do @pods and @nodes_df differ? ask ops@example.com about @pods')).toEqual(['pods', 'nodes_df']);
    expect(mentions('(@a, @b)')).toEqual(['a', 'b']);
    expect(mentions('@1bad @ok')).toEqual(['ok']);
  });

  it('takes at most a few', () => {
    expect(mentions('@a @b @c @d @e @f @g')).toHaveLength(MAX_MENTIONS);
  });

  it('describes a frame without its rows and cleans up after itself', () => {
    const code = frameSnippet('pods');
    expect(code).toContain('_kube_workbench_describe(pods)');
    expect(code).toContain('describe(include="all")');
    expect(code).toContain('dtypes');
    expect(code).not.toMatch(/\.head\(\)|\.values|to_dict\(|iloc|\.sample\(/); // no rows leave the kernel
    expect(code.trimEnd().endsWith('del _kube_workbench_describe')).toBe(true);
  });

  it('refuses a name that is not a Python identifier (it becomes code)', () => {
    expect(() => frameSnippet('pods); import os; (x')).toThrow(/not a Python variable name/);
  });

  it('reads the kernel answer into an attachment', () => {
    const line = JSON.stringify({ ok: true, shape: [14, 2], dtypes: { name: 'object', cpu: 'float64' }, summary: 'cpu mean 0.5' });
    expect(parseFrameAnswer('pods', `noise\n${MARKER}${line}\n`)).toEqual({
      frame: { name: 'pods', shape: [14, 2], dtypes: { name: 'object', cpu: 'float64' }, summary: 'cpu mean 0.5' }
    });
  });

  it('says what went wrong: no such variable, not a DataFrame, no answer', () => {
    expect(parseFrameAnswer('pods', '', 'NameError')).toEqual({
      error: 'no variable named pods in the kernel: run the cell that makes it first'
    });
    expect(parseFrameAnswer('n', `${MARKER}{"ok": false, "type": "int"}`)).toEqual({ error: '@n is not a DataFrame (its type is int)' });
    expect(parseFrameAnswer('n', '')).toEqual({ error: '@n could not be described: the kernel printed nothing (is it busy?)' });
    expect(parseFrameAnswer('n', `${MARKER}{not json`)).toEqual({ error: "@n could not be described: the kernel's answer was not JSON" });
  });
});
