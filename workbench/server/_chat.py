"""``/api/workbench/chat``: the agent over a WebSocket — questions in, the turn's typed events out.

The panel sends `AskMessage`, `CancelMessage` and `ResetMessage`; the server answers with the agent's
events as wire messages (tokens, reads, finding and plan cards, notices, the answer, usage) and ends
every turn with `DoneMessage`. Anything that goes wrong — a bad message, an unusable model, a cluster
that cannot be reached, an agent that fails — arrives as an `ErrorMessage`; the socket stays open.

The agent is synchronous (it reads the cluster), so each turn runs on its own thread, which hands the
messages to the event loop. A cancel answers at once; the thread stops at the agent's next event.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Generator
from typing import Any

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from pydantic import ValidationError
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from workbench.agent import Chat
from workbench.analyzers import AnalysisReport
from workbench.errors import WorkbenchError
from workbench.server._convert import event_messages
from workbench.server._handlers import AUTH_RESOURCE, problems
from workbench.server._question import compose
from workbench.server._services import Connected, Services, services_of
from workbench.server._status import agent_status
from workbench.server._wire import (
    CLIENT_MESSAGE,
    AskMessage,
    CancelMessage,
    DoneMessage,
    ErrorMessage,
    HelloMessage,
    Wire,
)

Send = Callable[[Wire], None]
"""Hands a message to the event loop (from the turn's thread)."""


class Conversation:
    """One socket's agent: remade when the settings change, kept (with its history) otherwise."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._chat: Chat | None = None
        self._connected: Connected | None = None

    def chat(self) -> tuple[Chat, Connected]:
        """The agent for the current settings (blocking: connects on first use).

        Raises:
            WorkbenchError: the cluster cannot be reached, or the model cannot be used.
        """
        connected = self.services.connected()
        if self._chat is None or self._connected is not connected:
            self._chat = self.services.make_chat(connected.view, self.services.settings)
            self._connected = connected
        return self._chat, connected

    def reset(self) -> None:
        """Forget the conversation."""
        if self._chat is not None:
            self._chat.reset()


class Turn:
    """One question being answered on its own thread."""

    def __init__(self, ask: AskMessage, conversation: Conversation, post: Send) -> None:
        self.id = ask.id
        self.ask = ask
        self.conversation = conversation
        self.cancelled = threading.Event()
        self.finished = asyncio.get_running_loop().create_future()
        self._post = post
        self._thread = threading.Thread(target=self._run, name=f"workbench-chat-{ask.id}", daemon=True)

    def start(self) -> None:
        """Start answering."""
        self._thread.start()

    def _send(self, message: Wire) -> None:
        if not self.cancelled.is_set():
            self._post(message)

    def _run(self) -> None:
        loop = self.finished.get_loop()
        try:
            self._answer()
        except WorkbenchError as exc:
            self._send(ErrorMessage(id=self.id, message=str(exc)))
        except Exception as exc:  # noqa: BLE001 - the thread's edge: any failure becomes a message, not a dead turn
            self._send(
                ErrorMessage(
                    id=self.id,
                    message=f"the agent failed unexpectedly ({type(exc).__name__}: {exc}); "
                    "the Jupyter server log has the details",
                )
            )
            self._post_to(loop, _log_failure, exc)
        finally:
            self._send(DoneMessage(id=self.id))
            self._post_to(loop, _resolve, self.finished)

    @staticmethod
    def _post_to(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the server is shutting down: the loop is closed
            loop.call_soon_threadsafe(callback, *args)

    def _answer(self) -> None:
        chat, connected = self.conversation.chat()
        report: AnalysisReport | None = None
        stream = chat.stream(compose(self.ask))
        try:
            for event in stream:
                if self.cancelled.is_set():
                    return
                if event.type == "proposed" and report is None:
                    report = _report(connected)
                for message in event_messages(self.id, event, source=connected.source, report=report):
                    self._send(message)
        finally:
            if isinstance(stream, Generator):  # stop the agent where it is (a cancel, a closed socket)
                stream.close()


class ChatHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """The chat WebSocket (one conversation per socket, one turn at a time)."""

    auth_resource = AUTH_RESOURCE

    def initialize(self) -> None:
        """Per-socket state."""
        self._turn: Turn | None = None
        self._last: Turn | None = None
        self._conversation: Conversation | None = None

    def set_default_headers(self) -> None:
        """No JupyterHandler headers (CSP and such make no sense on a WebSocket upgrade)."""

    @property
    def services(self) -> Services:
        """The extension's services."""
        return services_of(self.settings)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Upgrade to a WebSocket, for a logged-in user the authorizer lets use the workbench."""
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "execute", AUTH_RESOURCE)
        )
        if not allowed:
            raise tornado.web.HTTPError(403, "not authorized to use the Kubernetes workbench")
        await super().get(*args, **kwargs)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        """Say which model answers."""
        super().open(*args, **kwargs)  # the mixin's keep-alive pings
        self._conversation = Conversation(self.services)
        agent = await asyncio.to_thread(agent_status, self.services)
        self.send(HelloMessage(model=agent.model, agent=agent.state, problem=agent.problem))

    async def on_message(self, message: str | bytes) -> None:
        """Handle one message from the panel."""
        try:
            parsed = CLIENT_MESSAGE.validate_json(message)
        except ValidationError as exc:
            self.send(ErrorMessage(message=f"not a message the chat understands: {problems(exc)}"))
            return
        if isinstance(parsed, CancelMessage):
            self._cancel(parsed.id)
        elif isinstance(parsed, AskMessage):
            await self._ask(parsed)
        elif self._conversation is not None:
            self._conversation.reset()

    def on_close(self) -> None:
        """Stop the running turn: nobody is listening."""
        if self._turn is not None:
            self._turn.cancelled.set()

    def send(self, message: Wire) -> None:
        """Send one message (dropped when the socket has closed)."""
        if isinstance(message, DoneMessage) and self._turn is not None and self._turn.id == message.id:
            self._turn = None
        with contextlib.suppress(WebSocketClosedError):  # the panel went away; the turn stops soon
            self.write_message(message.model_dump_json())

    async def _ask(self, ask: AskMessage) -> None:
        if self._turn is not None:
            self.send(
                ErrorMessage(
                    id=ask.id,
                    message=f"still answering question {self._turn.id!r}: wait for it, or cancel it first",
                )
            )
            self.send(DoneMessage(id=ask.id))
            return
        assert self._conversation is not None  # made in open()
        if self._last is not None:
            # A cancelled turn may still be inside the agent: one thread at a time uses a chat.
            await self._last.finished
        loop = asyncio.get_running_loop()

        def post(message: Wire) -> None:
            with contextlib.suppress(RuntimeError):  # the server is shutting down: the loop is closed
                loop.call_soon_threadsafe(self.send, message)

        turn = Turn(ask, self._conversation, post)
        self._turn = self._last = turn
        turn.start()

    def _cancel(self, turn_id: str) -> None:
        turn = self._turn
        if turn is None or turn.id != turn_id:
            self.send(ErrorMessage(id=turn_id, message=f"no question {turn_id!r} is being answered"))
            return
        turn.cancelled.set()
        self._turn = None
        self.send(DoneMessage(id=turn_id, cancelled=True))


def _report(connected: Connected) -> AnalysisReport | None:
    """The analysis the proposals came from (cached by the view), for their findings' cards."""
    try:
        return connected.view.analysis()[0]
    except WorkbenchError:
        return None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _log_failure(exc: BaseException) -> None:
    from tornado.log import app_log  # noqa: PLC0415 - only on the failure path

    app_log.error("kube-workbench chat turn failed", exc_info=exc)
