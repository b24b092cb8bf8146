/**
 * The panel's model: the chat state, the status and the settings, and the actions that change them.
 *
 * It glues the pure state modules (`chatState`, `planCard`) to the server (`api`), the notebook and
 * the kernel; the view renders it and calls its actions. Nothing here applies a plan: a plan's cell
 * is inserted below the active cell, not run.
 */

import { Clipboard, Notification } from '@jupyterlab/apputils';
import { NotebookActions, type INotebookTracker } from '@jupyterlab/notebook';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal, type ISignal } from '@lumino/signaling';

import { ApiError, ChatSocket, dryRun, getStatus, putSettings } from './api';
import { cellAttachment, cellLabel, hasError, type ICellJSON } from './attach';
import {
  canAsk,
  clearChat,
  initialChat,
  receive,
  setConnection,
  startTurn,
  updatePlan,
  type IChatState
} from './chatState';
import { describeFrame } from './kernel';
import { mentions } from './mentions';
import {
  dryRunDone,
  dryRunFailed,
  dryRunRequest,
  kubectlText,
  markCopied,
  markInserted,
  startDryRun,
  type IPlanCard
} from './planCard';
import type { CellAttachment, FrameAttachment, SettingsUpdate, StatusMessage } from './wire';

/** The setting keys the server is told about (the rest of the schema is the panel's own). */
const SERVER_SETTINGS = ['model', 'context', 'namespaces', 'redaction'] as const;

export class PanelModel {
  constructor(
    private readonly notebooks: INotebookTracker,
    private readonly settings: ISettingRegistry.ISettings | null
  ) {
    this._socket = new ChatSocket(
      message => this._set({ chat: receive(this.chat, message) }),
      state => this._set({ chat: setConnection(this.chat, state) })
    );
    settings?.changed.connect(() => void this.pushSettings(), this);
    notebooks.activeCellChanged.connect(() => this._changed.emit(), this);
  }

  chat: IChatState = initialChat();
  status: StatusMessage | null = null;
  statusError: string | null = null;
  statusLoading = false;
  /** Attach the active cell (and its error output) to the next question. */
  attachCell = false;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Connect the chat and load the status (once the settings are on the server). */
  async start(): Promise<void> {
    this._socket.connect();
    await this.pushSettings();
  }

  dispose(): void {
    this._socket.dispose();
    Signal.clearData(this);
  }

  /** The active cell, if a notebook is active. */
  activeCell(): ICellJSON | null {
    const cell = this.notebooks.activeCell;
    return cell ? (cell.model.toJSON() as ICellJSON) : null;
  }

  /** Whether the active cell failed (the panel then offers "why did this fail?"). */
  activeCellFailed(): boolean {
    const cell = this.activeCell();
    return cell !== null && hasError(cell);
  }

  setAttachCell(value: boolean): void {
    this._set({ attachCell: value });
  }

  canAsk(): boolean {
    return canAsk(this.chat);
  }

  /** Ask ``question``, with the active cell if attached and each ``@name`` DataFrame's summary. */
  async ask(question: string): Promise<void> {
    const text = question.trim();
    if (!text || !this.canAsk()) {
      return;
    }
    const id = `q${Date.now().toString(36)}${(this._count++).toString(36)}`;
    const attached: string[] = [];
    let cell: CellAttachment | null = null;
    const active = this.attachCell ? this.activeCell() : null;
    if (active) {
      cell = cellAttachment(active);
      if (cell) {
        attached.push(cellLabel(active));
      }
    }
    const names = mentions(text);
    this._set({ chat: startTurn(this.chat, { id, question: text, attached: [...attached, ...names.map(n => `@${n}`)] }) });
    const frames: FrameAttachment[] = [];
    const kernel = this.notebooks.currentWidget?.sessionContext.session?.kernel ?? null;
    for (const name of names) {
      if (!kernel) {
        this._turnError(id, `@${name} was not attached: open the notebook whose kernel holds it`);
        continue;
      }
      const answer = await describeFrame(kernel, name).catch(
        (error: unknown) => ({ error: `@${name} could not be described: ${String(error)}` }) as const
      );
      if ('frame' in answer) {
        frames.push(answer.frame);
      } else {
        this._turnError(id, answer.error);
      }
    }
    const sent = this._socket.send({ type: 'ask', id, question: text, cell, frames });
    if (!sent) {
      this._set({
        chat: receive(receive(this.chat, { type: 'error', id, message: 'not connected to the Jupyter server; try again in a moment' }), {
          type: 'done',
          id,
          cancelled: false
        })
      });
    }
  }

  /** Stop the turn being answered. */
  cancel(): void {
    if (this.chat.busy !== null) {
      this._socket.send({ type: 'cancel', id: this.chat.busy });
    }
  }

  /** Forget the conversation (here and on the server). */
  reset(): void {
    this._socket.send({ type: 'reset' });
    this._set({ chat: clearChat(this.chat) });
  }

  /** Dry-run a plan card's plan on the server (nothing changes). */
  async dryRun(turn: string, card: IPlanCard): Promise<void> {
    const digest = card.message.digest;
    this._plan(turn, digest, startDryRun);
    try {
      const result = await dryRun(dryRunRequest(card));
      this._plan(turn, digest, c => dryRunDone(c, result));
    } catch (error) {
      this._plan(turn, digest, c => dryRunFailed(c, error instanceof ApiError ? error.message : String(error)));
    }
  }

  /** Insert a plan's cell below the active cell of the current notebook; it is not run. */
  insertCell(turn: string, card: IPlanCard): void {
    const panel = this.notebooks.currentWidget;
    if (!panel) {
      Notification.error('Open a notebook first: the plan’s cell is inserted below its active cell.', { autoClose: 5000 });
      return;
    }
    const notebook = panel.content;
    NotebookActions.insertBelow(notebook);
    NotebookActions.changeCellType(notebook, 'code');
    notebook.activeCell?.model.sharedModel.setSource(card.message.cell);
    this._plan(turn, card.message.digest, markInserted);
  }

  /** Copy a plan's kubectl equivalent (for reading; the panel runs nothing). */
  copyKubectl(turn: string, card: IPlanCard): void {
    Clipboard.copyToSystem(kubectlText(card));
    this._plan(turn, card.message.digest, markCopied);
  }

  /** Load the status (``refresh``: pull the cluster again and re-run the analysis). */
  async refreshStatus(refresh = false): Promise<void> {
    this._set({ statusLoading: true });
    try {
      this._set({ status: await getStatus(refresh), statusError: null, statusLoading: false });
    } catch (error) {
      this._set({ statusError: error instanceof ApiError ? error.message : String(error), statusLoading: false });
    }
  }

  /** Switch context (kept in the user's settings, so the choice survives a reload). */
  async setContext(context: string): Promise<void> {
    if (this.settings) {
      await this.settings.set('context', context); // the changed signal pushes it to the server
    } else {
      await this._put({ context });
    }
  }

  /** Tell the server the settings the user set (unset ones keep the server's configuration). */
  async pushSettings(): Promise<void> {
    const user = (this.settings?.user ?? {}) as { [key: string]: unknown };
    const update: { [key: string]: unknown } = {};
    for (const key of SERVER_SETTINGS) {
      if (key in user) {
        update[key] = user[key] === '' && key === 'context' ? null : user[key];
      }
    }
    if (Object.keys(update).length) {
      await this._put(update as SettingsUpdate);
    } else {
      await this.refreshStatus();
    }
  }

  private async _put(update: SettingsUpdate): Promise<void> {
    try {
      await putSettings(update);
    } catch (error) {
      Notification.error(`Kubernetes settings not applied: ${error instanceof ApiError ? error.message : String(error)}`);
    }
    await this.refreshStatus();
  }

  private _turnError(id: string, message: string): void {
    this._set({ chat: receive(this.chat, { type: 'error', id, message }) });
  }

  private _plan(turn: string, digest: string, update: (card: IPlanCard) => IPlanCard): void {
    this._set({ chat: updatePlan(this.chat, turn, digest, update) });
  }

  private _set(changes: Partial<Pick<PanelModel, 'chat' | 'status' | 'statusError' | 'statusLoading' | 'attachCell'>>): void {
    Object.assign(this, changes);
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _socket: ChatSocket;
  private _count = 0;
}
