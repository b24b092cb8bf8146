/** Describing an ``@name`` DataFrame in the notebook's kernel, silently (nothing lands in the notebook). */

import { KernelMessage } from '@jupyterlab/services';
import type { Kernel } from '@jupyterlab/services';

import { FrameAnswer, frameSnippet, parseFrameAnswer } from './mentions';

/** The schema and summary of ``name`` in ``kernel`` (a silent, unrecorded execution). */
export async function describeFrame(kernel: Kernel.IKernelConnection, name: string): Promise<FrameAnswer> {
  const future = kernel.requestExecute({
    code: frameSnippet(name),
    silent: true,
    store_history: false,
    allow_stdin: false,
    stop_on_error: false
  });
  let output = '';
  future.onIOPub = message => {
    if (KernelMessage.isStreamMsg(message) && message.content.name === 'stdout') {
      output += message.content.text;
    }
  };
  const reply = await future.done;
  const content = reply.content;
  const failure = content.status === 'error' ? content.ename : undefined;
  return parseFrameAnswer(name, output, failure);
}
