import { describe, expect, it } from 'vitest';

import {
  canAsk,
  clearChat,
  initialChat,
  receive,
  reads,
  setConnection,
  startTurn,
  updatePlan,
  type IChatState
} from '../src/chatState';
import { startDryRun } from '../src/planCard';
import type { ChatServerMessage } from '../src/wire';
import { DIGEST, finding, planMessage } from './fixtures';

function connected(): IChatState {
  return receive(initialChat(), { type: 'hello', model: 'offline', agent: 'offline', problem: '' });
}

function play(state: IChatState, messages: ChatServerMessage[]): IChatState {
  return messages.reduce(receive, state);
}

describe('the chat state', () => {
  it('may ask once the server said hello, and not while a turn is answered', () => {
    expect(canAsk(initialChat())).toBe(false);
    const open = connected();
    expect(open.agent?.agent).toBe('offline');
    expect(canAsk(open)).toBe(true);
    const asking = startTurn(open, { id: 't1', question: "what's wrong?", attached: ['cell [3]'] });
    expect(asking.busy).toBe('t1');
    expect(canAsk(asking)).toBe(false);
    expect(asking.turns[0]).toMatchObject({ question: "what's wrong?", attached: ['cell [3]'], status: 'waiting' });
  });

  it('streams tokens into the answer and replaces them with the final text', () => {
    let state = startTurn(connected(), { id: 't1', question: 'q' });
    state = play(state, [
      { type: 'token', id: 't1', text: '**Root cause:** ' },
      { type: 'token', id: 't1', text: 'crash' }
    ]);
    expect(state.turns[0].answer).toBe('**Root cause:** crash');
    expect(state.turns[0].status).toBe('streaming');
    state = play(state, [
      { type: 'final', id: 't1', text: '**Root cause:** crashloop\n' },
      { type: 'token', id: 't1', text: 'late' },
      { type: 'done', id: 't1', cancelled: false }
    ]);
    expect(state.turns[0].answer).toBe('**Root cause:** crashloop\n');
    expect(state.turns[0].final).toBe(true);
    expect(state.turns[0].status).toBe('done');
    expect(state.busy).toBeNull();
  });

  it('pairs every read with its result, in order', () => {
    let state = startTurn(connected(), { id: 't1', question: 'q' });
    state = play(state, [
      { type: 'tool_call', id: 't1', call_id: 'c1', name: 'list_resources', args: { namespaces: [] } },
      { type: 'tool_call', id: 't1', call_id: 'c2', name: 'run_analysis', args: {} },
      { type: 'tool_result', id: 't1', call_id: 'c2', name: 'run_analysis', content: '4 findings', truncated: false, error: false },
      { type: 'tool_result', id: 't1', call_id: 'c1', name: 'list_resources', content: '14 pods', truncated: true, error: false }
    ]);
    expect(reads(state.turns[0])).toEqual([
      { callId: 'c1', name: 'list_resources', args: { namespaces: [] }, result: { content: '14 pods', truncated: true, error: false } },
      { callId: 'c2', name: 'run_analysis', args: {}, result: { content: '4 findings', truncated: false, error: false } }
    ]);
  });

  it('shows finding cards once each, then the plan card, in arrival order', () => {
    let state = startTurn(connected(), { id: 't1', question: 'q' });
    state = play(state, [
      { type: 'notice', id: 't1', text: 'Offline assistant' },
      { type: 'finding', id: 't1', finding: finding(), root: true },
      { type: 'finding', id: 't1', finding: finding(), root: true },
      planMessage('t1'),
      { type: 'investigation', id: 't1', title: 'Find the key', findings: [], checks: ['look'], commands: [] }
    ]);
    expect(state.turns[0].items.map(i => i.kind)).toEqual(['notice', 'finding', 'plan', 'investigation']);
  });

  it('updates one plan card in place', () => {
    let state = play(startTurn(connected(), { id: 't1', question: 'q' }), [planMessage('t1')]);
    state = updatePlan(state, 't1', DIGEST, startDryRun);
    const item = state.turns[0].items[0];
    expect(item.kind === 'plan' && item.card.dryRun.status).toBe('running');
    expect(updatePlan(state, 't1', 'sha256:other', startDryRun)).toEqual(state);
  });

  it('shows a failed turn and the errors about it, and frees the chat when it is done', () => {
    let state = startTurn(connected(), { id: 't1', question: 'q' });
    state = play(state, [
      { type: 'failed', id: 't1', message: 'the endpoint refused' },
      { type: 'error', id: 't1', message: 'model nope cannot be used' },
      { type: 'done', id: 't1', cancelled: false }
    ]);
    expect(state.turns[0]).toMatchObject({ status: 'failed', failed: 'the endpoint refused', errors: ['model nope cannot be used'] });
    expect(canAsk(state)).toBe(true);
  });

  it('keeps errors about no turn apart, and ignores messages of turns it did not ask', () => {
    const state = play(connected(), [
      { type: 'error', id: '', message: 'not a message the chat understands' },
      { type: 'token', id: 'elsewhere', text: 'x' },
      { type: 'error', id: 'elsewhere', message: 'no question' }
    ]);
    expect(state.errors).toEqual(['not a message the chat understands', 'no question']);
    expect(state.turns).toEqual([]);
  });

  it('marks a cancelled turn and ignores what the agent sent after', () => {
    let state = startTurn(connected(), { id: 't1', question: 'q' });
    state = play(state, [
      { type: 'token', id: 't1', text: 'thinking' },
      { type: 'done', id: 't1', cancelled: true }
    ]);
    expect(state.turns[0].status).toBe('cancelled');
    expect(state.busy).toBeNull();
  });

  it('fails the running turn when the connection drops', () => {
    const state = setConnection(startTurn(connected(), { id: 't1', question: 'q' }), 'closed');
    expect(state.connection).toBe('closed');
    expect(state.busy).toBeNull();
    expect(state.turns[0].status).toBe('failed');
    expect(state.turns[0].failed).toMatch(/connection to the Jupyter server was lost/);
    expect(canAsk(state)).toBe(false);
  });

  it('clears the conversation', () => {
    const state = clearChat(play(startTurn(connected(), { id: 't1', question: 'q' }), [{ type: 'done', id: 't1', cancelled: false }]));
    expect(state.turns).toEqual([]);
    expect(canAsk(state)).toBe(true);
  });
});
