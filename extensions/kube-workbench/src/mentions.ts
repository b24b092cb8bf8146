/**
 * ``@name`` mentions of DataFrames in the kernel: which names a question mentions, the silent snippet
 * that describes one (its schema and ``describe()``, never its rows), and how its answer is read.
 *
 * Pure functions, tested without a kernel; `kernel.ts` runs the snippet.
 */

import type { FrameAttachment } from './wire';

/** DataFrames one question may mention. */
export const MAX_MENTIONS = 5;
/** Marks the snippet's line in the kernel's output. */
export const MARKER = '__kube_workbench_frame__';

const MENTION = /(^|[\s(,])@([A-Za-z_][A-Za-z0-9_]*)\b/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The distinct names mentioned as ``@name``, in order (at most `MAX_MENTIONS`). */
export function mentions(question: string): string[] {
  const names: string[] = [];
  for (const match of question.matchAll(MENTION)) {
    const name = match[2];
    if (!names.includes(name)) {
      names.push(name);
    }
  }
  return names.slice(0, MAX_MENTIONS);
}

/**
 * Python that prints one marked JSON line describing ``name``: its shape, its column dtypes and the
 * text of ``describe(include="all")`` — never a row. It leaves nothing behind in the kernel.
 */
export function frameSnippet(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`@${name} is not a Python variable name`);
  }
  const helper = '_kube_workbench_describe';
  return [
    `def ${helper}(value):`,
    '    import json',
    '    if not (hasattr(value, "columns") and hasattr(value, "dtypes") and hasattr(value, "describe")):',
    '        return {"ok": False, "type": type(value).__name__}',
    '    try:',
    '        summary = value.describe(include="all").T.head(60).to_string(max_colwidth=40)',
    '    except Exception as exc:',
    '        summary = f"(no summary: {exc})"',
    '    dtypes = {str(k): str(v) for k, v in list(value.dtypes.items())[:60]}',
    '    return {"ok": True, "shape": [int(n) for n in value.shape][:2], "dtypes": dtypes, "summary": summary[:4000]}',
    'try:',
    `    print(${JSON.stringify(MARKER)} + __import__("json").dumps(${helper}(${name})))`,
    'finally:',
    `    del ${helper}`
  ].join('\n');
}

/** What the kernel answered for ``@name``: the attachment, or why there is none. */
export type FrameAnswer = { frame: FrameAttachment } | { error: string };

/**
 * Read the snippet's output for ``name``; ``failure`` is the kernel's error name when the snippet
 * raised (``NameError``: no such variable).
 */
export function parseFrameAnswer(name: string, output: string, failure?: string): FrameAnswer {
  if (failure === 'NameError') {
    return { error: `no variable named ${name} in the kernel: run the cell that makes it first` };
  }
  const line = output.split('\n').find(l => l.startsWith(MARKER));
  if (!line) {
    return {
      error: failure
        ? `@${name} could not be described (${failure})`
        : `@${name} could not be described: the kernel printed nothing (is it busy?)`
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(line.slice(MARKER.length));
  } catch {
    return { error: `@${name} could not be described: the kernel's answer was not JSON` };
  }
  const answer = data as { ok?: boolean; type?: string; shape?: number[]; dtypes?: { [k: string]: string }; summary?: string };
  if (!answer.ok) {
    return { error: `@${name} is not a DataFrame (its type is ${answer.type ?? 'unknown'})` };
  }
  return {
    frame: {
      name,
      shape: (answer.shape ?? []).slice(0, 2),
      dtypes: answer.dtypes ?? {},
      summary: answer.summary ?? ''
    }
  };
}
