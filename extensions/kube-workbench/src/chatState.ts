/**
 * The chat's state and how each server message changes it: a pure reducer over the generated wire types.
 *
 * No JupyterLab and no DOM here, so the conversation's behaviour (streaming, reads, cards, cancel,
 * errors) is unit-tested without a browser; the panel only renders this state.
 */

import type {
  ChatServerMessage,
  FindingWire,
  HelloMessage,
  InvestigationMessage,
  UsageMessage
} from './wire';
import { type IPlanCard, newPlanCard } from './planCard';

/** One read the agent made (a read-only tool) and, once it came back, what it returned. */
export interface IRead {
  callId: string;
  name: string;
  args: { [key: string]: unknown };
  result?: { content: string; truncated: boolean; error: boolean };
}

/** Something shown in a turn, in the order it arrived. */
export type TurnItem =
  | { kind: 'read'; read: IRead }
  | { kind: 'notice'; text: string }
  | { kind: 'finding'; finding: FindingWire; root: boolean }
  | { kind: 'plan'; card: IPlanCard }
  | { kind: 'investigation'; investigation: InvestigationMessage };

export type TurnStatus = 'waiting' | 'streaming' | 'done' | 'failed' | 'cancelled';

/** One question and everything its answer brought. */
export interface ITurn {
  id: string;
  question: string;
  /** What was attached ("cell [3]", "@pods"). */
  attached: string[];
  items: TurnItem[];
  /** The answer so far (markdown): the streamed tokens, then the final text. */
  answer: string;
  final: boolean;
  status: TurnStatus;
  /** Why the agent could not finish. */
  failed?: string;
  /** Errors about this turn (a model that cannot be used, an unreachable cluster). */
  errors: string[];
  usage?: UsageMessage;
}

export type Connection = 'connecting' | 'open' | 'closed';

export interface IChatState {
  connection: Connection;
  /** Which model answers (from the server's greeting). */
  agent?: HelloMessage;
  turns: ITurn[];
  /** The turn being answered; a new question waits until it is done or cancelled. */
  busy: string | null;
  /** Errors about no turn in particular. */
  errors: string[];
}

export function initialChat(): IChatState {
  return { connection: 'connecting', turns: [], busy: null, errors: [] };
}

/** Whether a question may be asked now. */
export function canAsk(state: IChatState): boolean {
  return state.connection === 'open' && state.busy === null;
}

/** The state with a new question being answered. */
export function startTurn(
  state: IChatState,
  turn: { id: string; question: string; attached?: string[] }
): IChatState {
  const added: ITurn = {
    id: turn.id,
    question: turn.question,
    attached: turn.attached ?? [],
    items: [],
    answer: '',
    final: false,
    status: 'waiting',
    errors: []
  };
  return { ...state, turns: [...state.turns, added], busy: turn.id };
}

export function setConnection(state: IChatState, connection: Connection): IChatState {
  // A socket that closed mid-turn takes the turn with it: nothing more of it will come.
  if (connection === 'closed' && state.busy !== null) {
    const lost = withTurn(state, state.busy, turn => ({
      ...turn,
      status: 'failed',
      failed: turn.failed ?? 'the connection to the Jupyter server was lost; ask again'
    }));
    return { ...lost, connection, busy: null };
  }
  return { ...state, connection };
}

/** The state after the user cleared the conversation. */
export function clearChat(state: IChatState): IChatState {
  return { ...state, turns: [], errors: [] };
}

/** Replace one plan card (found by turn and digest) by ``update(card)``. */
export function updatePlan(
  state: IChatState,
  turnId: string,
  digest: string,
  update: (card: IPlanCard) => IPlanCard
): IChatState {
  return withTurn(state, turnId, turn => ({
    ...turn,
    items: turn.items.map(item =>
      item.kind === 'plan' && item.card.message.digest === digest
        ? { kind: 'plan', card: update(item.card) }
        : item
    )
  }));
}

/** The state after one message from the server. */
export function receive(state: IChatState, message: ChatServerMessage): IChatState {
  switch (message.type) {
    case 'hello':
      return { ...state, agent: message, connection: 'open' };
    case 'error':
      if (!message.id || !state.turns.some(t => t.id === message.id)) {
        return { ...state, errors: [...state.errors, message.message] };
      }
      return withTurn(state, message.id, turn => ({
        ...turn,
        errors: [...turn.errors, message.message]
      }));
    case 'done': {
      const ended = withTurn(state, message.id, turn => ({
        ...turn,
        status: message.cancelled ? 'cancelled' : turn.failed || turn.errors.length ? 'failed' : 'done'
      }));
      return { ...ended, busy: state.busy === message.id ? null : state.busy };
    }
    case 'token':
      return withTurn(state, message.id, turn =>
        turn.final ? turn : { ...turn, answer: turn.answer + message.text, status: 'streaming' }
      );
    case 'final':
      return withTurn(state, message.id, turn => ({ ...turn, answer: message.text, final: true }));
    case 'failed':
      return withTurn(state, message.id, turn => ({ ...turn, failed: message.message }));
    case 'usage':
      return withTurn(state, message.id, turn => ({ ...turn, usage: message }));
    case 'notice':
      return addItem(state, message.id, { kind: 'notice', text: message.text });
    case 'tool_call':
      return addItem(state, message.id, {
        kind: 'read',
        read: { callId: message.call_id, name: message.name, args: message.args }
      });
    case 'tool_result':
      return withTurn(state, message.id, turn => ({
        ...turn,
        items: turn.items.map(item =>
          item.kind === 'read' && item.read.callId === message.call_id
            ? {
                kind: 'read',
                read: {
                  ...item.read,
                  result: { content: message.content, truncated: message.truncated, error: message.error }
                }
              }
            : item
        )
      }));
    case 'finding':
      return withTurn(state, message.id, turn =>
        turn.items.some(i => i.kind === 'finding' && i.finding.id === message.finding.id)
          ? turn // one card per finding, however many proposals name it
          : { ...turn, items: [...turn.items, { kind: 'finding', finding: message.finding, root: message.root }] }
      );
    case 'plan':
      return addItem(state, message.id, { kind: 'plan', card: newPlanCard(message) });
    case 'investigation':
      return addItem(state, message.id, { kind: 'investigation', investigation: message });
  }
}

/** The reads of a turn, in order (what the collapsible "read" list shows). */
export function reads(turn: ITurn): IRead[] {
  return turn.items.flatMap(item => (item.kind === 'read' ? [item.read] : []));
}

function addItem(state: IChatState, id: string, item: TurnItem): IChatState {
  return withTurn(state, id, turn => ({ ...turn, items: [...turn.items, item] }));
}

/** ``update`` applied to turn ``id``; messages for turns this panel did not ask are ignored. */
function withTurn(state: IChatState, id: string, update: (turn: ITurn) => ITurn): IChatState {
  if (!state.turns.some(t => t.id === id)) {
    return state;
  }
  return { ...state, turns: state.turns.map(turn => (turn.id === id ? update(turn) : turn)) };
}
