/**
 * The server extension's routes (``/api/workbench/``): REST calls and the chat WebSocket.
 *
 * REST requests go through ``ServerConnection.makeRequest``, which sends Jupyter's token or session
 * cookie and the XSRF header; errors become `ApiError`s carrying the server's message.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { Connection } from './chatState';
import type {
  ChatClientMessage,
  ChatServerMessage,
  DryRunMessage,
  DryRunRequest,
  SettingsMessage,
  SettingsUpdate,
  StatusMessage
} from './wire';

export const API = 'api/workbench';

/** A request the server refused or could not serve; ``message`` is the server's (cause and fix). */
export class ApiError extends Error {}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, API, path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(`the Jupyter server cannot be reached (${String(error)}); is it still running?`);
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message =
      data && typeof (data as { message?: unknown }).message === 'string'
        ? (data as { message: string }).message
        : `${response.status} ${response.statusText}`;
    if (response.status === 404 && !(data as { type?: string } | null)?.type) {
      throw new ApiError(
        'the kube-workbench server extension is not enabled: run `jupyter server extension enable workbench.server` and restart Jupyter'
      );
    }
    throw new ApiError(message);
  }
  return data as T;
}

export function getStatus(refresh = false): Promise<StatusMessage> {
  return request<StatusMessage>(refresh ? 'status?refresh=1' : 'status');
}

export function getSettings(): Promise<SettingsMessage> {
  return request<SettingsMessage>('settings');
}

export function putSettings(update: SettingsUpdate): Promise<SettingsMessage> {
  return request<SettingsMessage>('settings', { method: 'PUT', body: JSON.stringify(update) });
}

export function dryRun(body: DryRunRequest): Promise<DryRunMessage> {
  return request<DryRunMessage>('plans/dry-run', { method: 'POST', body: JSON.stringify(body) });
}

/** The chat WebSocket, reconnecting (with back-off) when it drops. */
export class ChatSocket {
  constructor(
    private readonly onMessage: (message: ChatServerMessage) => void,
    private readonly onConnection: (state: Connection) => void
  ) {}

  connect(): void {
    if (this._disposed) {
      return;
    }
    const settings = ServerConnection.makeSettings();
    let url = URLExt.join(settings.wsUrl, API, 'chat');
    if (settings.token && settings.appendToken) {
      url += `?token=${encodeURIComponent(settings.token)}`;
    }
    this.onConnection('connecting');
    const socket = new settings.WebSocket(url);
    this._socket = socket;
    socket.onmessage = event => {
      this._delay = 1000;
      try {
        this.onMessage(JSON.parse(String(event.data)) as ChatServerMessage);
      } catch (error) {
        console.error('kube-workbench: a chat message that is not JSON', error);
      }
    };
    socket.onclose = () => {
      if (this._socket !== socket) {
        return;
      }
      this._socket = null;
      this.onConnection('closed');
      if (!this._disposed) {
        this._timer = window.setTimeout(() => this.connect(), this._delay);
        this._delay = Math.min(this._delay * 2, 30000);
      }
    };
  }

  /** Send one message; false when the socket is not open (the panel says so). */
  send(message: ChatClientMessage): boolean {
    if (!this._socket || this._socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    this._socket.send(JSON.stringify(message));
    return true;
  }

  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._timer);
    this._socket?.close();
    this._socket = null;
  }

  private _socket: WebSocket | null = null;
  private _disposed = false;
  private _delay = 1000;
  private _timer = 0;
}
