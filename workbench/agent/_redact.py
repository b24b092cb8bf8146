"""Redaction of everything a chat sends to a model, and anonymization of names (reversible).

`Redactor.outgoing` is the one transform every request passes through (the agent loop calls it on
the exact messages of each model request, and `Chat.preview` calls it the same way): secret-looking
values are masked (`workbench.redaction.mask_text`, plus the literal values of the model's own keys)
and, with ``anonymize=True``, the cluster's names (namespaces, workloads, pods, nodes, images, hosts,
the context) become stable pseudonyms. `restore` maps pseudonyms in the model's answer, its tokens and
its tool arguments back to the real names before anyone sees them or a tool reads the cluster.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from workbench.frames import Frames
from workbench.frames.schema import Containers, Frame, Ingresses, Pods
from workbench.redaction import Anonymizer, RedactionReport, mask_text, placeholder

_CACHE_LIMIT = 4096  # masked texts remembered: a conversation is re-sent whole on every request
_KEEP_KEYS = frozenset({"type", "id", "tool_call_id", "index"})
# Frames whose ``name`` column names objects, and the anonymizer's category for them.
_NAMED = {
    "pods": "app", "deployments": "app", "replicasets": "app", "statefulsets": "app", "daemonsets": "app",
    "jobs": "app", "cronjobs": "app", "hpas": "app", "pdbs": "app", "services": "svc", "endpoints": "svc",
    "configmaps": "cm", "secrets": "secret", "ingresses": "ing", "pvcs": "pvc", "pvs": "pv",
    "networkpolicies": "netpol",
}  # fmt: skip
_TRAILING_RUN = re.compile(r"[A-Za-z0-9.\-]*\Z")


class Redactor:
    """Masks secrets in, and optionally anonymizes, every text that leaves the process.

    Args:
        anonymize: replace the cluster's names with pseudonyms (call `learn` with the frames first).
        secrets: literal values that are always masked wherever they appear (the model's API keys).
        anonymizer: the name map to use (default a fresh one with a random key).

    Attributes:
        report: what was masked so far in this session, by kind.
    """

    def __init__(
        self, *, anonymize: bool = False, secrets: Iterable[str] = (), anonymizer: Anonymizer | None = None
    ) -> None:
        self.anonymizer: Anonymizer | None = (anonymizer or Anonymizer()) if anonymize else None
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
        self.report = RedactionReport()
        self._masked: dict[str, str] = {}
        self._lock = threading.Lock()
        self._learned = False

    @property
    def anonymize(self) -> bool:
        """Whether names are replaced by pseudonyms."""
        return self.anonymizer is not None

    # --- names ---------------------------------------------------------------------------------

    def learn(self, frames: Frames, *, context: str = "") -> None:
        """Teach the anonymizer every name in ``frames`` (and the context's), so text mentioning them
        is anonymized; does nothing without anonymization, or when already done."""
        anon = self.anonymizer
        if anon is None or self._learned:
            return
        self._learned = True
        if context:
            anon.name(context, "cluster")
        for name in _names(frames, "namespaces"):
            anon.namespace(name)
        for frame in frames.names():
            df = frames[frame]
            if Frame.NAMESPACE in df.columns:
                for ns in _unique(df[Frame.NAMESPACE]):
                    anon.namespace(ns)
        for name in [*_names(frames, "nodes"), *_unique(frames.pods[Pods.NODE])]:
            anon.node(name)
        for frame, category in _NAMED.items():
            for name in _names(frames, frame):
                anon.name(name, category)
        for name in _unique(frames.containers[Containers.CONTAINER]):
            anon.name(name, "ctr")
        for image in _unique(frames.containers[Containers.IMAGE]):
            anon.image(image)
        for hosts in frames.ingresses[Ingresses.HOSTS]:
            for host in hosts if isinstance(hosts, list | tuple) else ():
                if host and host != "*":
                    anon.host(str(host))

    # --- out -------------------------------------------------------------------------------------

    def mask(self, text: str, where: str = "text") -> str:
        """``text`` with secret-looking values (and the model's keys) replaced by placeholders."""
        if not text:
            return text
        with self._lock:
            cached = self._masked.get(text)
            if cached is not None:
                return cached
            out = text
            for secret in self._secrets:
                if secret in out:
                    self.report.count("api_key", where, out.count(secret))
                    out = out.replace(secret, placeholder("api_key"))
            masked = mask_text(out)
            self.report.add_text(masked, where)
            if len(self._masked) >= _CACHE_LIMIT:
                self._masked.clear()
            self._masked[text] = masked.text
            # A masked text masks to itself; remembering that saves the second pass at the choke point.
            self._masked.setdefault(masked.text, masked.text)
            return masked.text

    def outgoing_text(self, text: str, where: str = "text") -> str:
        """``text`` as it may leave the process: masked, then anonymized when that is on."""
        masked = self.mask(text, where)
        return self.anonymizer.anonymize_text(masked) if self.anonymizer is not None else masked

    def outgoing(self, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
        """The messages of a model request as they may be sent: every text field redacted.

        New message objects are built with only the fields a request needs (content, tool calls and
        their ids), so nothing rides along in ``additional_kwargs`` or artifacts unredacted.
        """
        out: list[BaseMessage] = []
        for message in messages:
            content = self._content(message.content, _where(message))
            if isinstance(message, SystemMessage):
                out.append(SystemMessage(content=content))
            elif isinstance(message, HumanMessage):
                out.append(HumanMessage(content=content))
            elif isinstance(message, AIMessage):
                calls = [
                    {
                        "name": c["name"],
                        "args": self._deep(c["args"], "tool_args"),
                        "id": c["id"],
                        "type": "tool_call",
                    }
                    for c in message.tool_calls
                ]
                out.append(AIMessage(content=content, tool_calls=calls, id=message.id))
            elif isinstance(message, ToolMessage):
                out.append(
                    ToolMessage(
                        content=content,
                        tool_call_id=message.tool_call_id,
                        name=message.name,
                        status=message.status,
                    )
                )
            else:  # a message type the agent never makes: sent as the user's text, redacted like it
                out.append(HumanMessage(content=self.outgoing_text(message.text, "message")))
        return out

    def _content(self, content: str | list[str | dict[str, Any]], where: str) -> Any:
        if isinstance(content, str):
            return self.outgoing_text(content, where)
        return [self._deep(block, where) for block in content]

    def _deep(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self.outgoing_text(value, where)
        if isinstance(value, Mapping):
            return {k: v if k in _KEEP_KEYS else self._deep(v, where) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._deep(v, where) for v in value]
        return value

    # --- back ----------------------------------------------------------------------------------

    def restore(self, text: str) -> str:
        """Pseudonyms in ``text`` (an answer) turned back into the real names."""
        return self.anonymizer.deanonymize_text(text) if self.anonymizer is not None and text else text

    def restore_args(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """A tool call's arguments with pseudonyms turned back into real names (before the tool runs)."""
        return {key: self._restore_deep(value) for key, value in args.items()}

    def _restore_deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, Mapping):
            return {k: self._restore_deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._restore_deep(v) for v in value]
        return value

    def token_stream(self) -> TokenRestorer:
        """A restorer for one streamed answer (pseudonyms can be split across tokens)."""
        return TokenRestorer(self.restore if self.anonymizer is not None else None)


class TokenRestorer:
    """Restores names in streamed tokens: holds back a trailing word until it is complete.

    A pseudonym (``app-3f2a-79d868d77-vgmg7``) arrives in pieces; text is released up to the last
    character that cannot be part of a name, so every name is restored whole.
    """

    def __init__(self, restore: Callable[[str], str] | None) -> None:
        self._restore = restore
        self._pending = ""

    def feed(self, text: str) -> str:
        """The text that can be shown now (possibly ``""``)."""
        if self._restore is None:
            return text
        pending = self._pending + text
        cut = _TRAILING_RUN.search(pending)
        start = cut.start() if cut is not None else len(pending)
        ready, self._pending = pending[:start], pending[start:]
        return self._restore(ready) if ready else ""

    def flush(self) -> str:
        """Whatever is still held back, at the end of a message."""
        pending, self._pending = self._pending, ""
        if self._restore is None or not pending:
            return pending
        return self._restore(pending)


def _where(message: BaseMessage) -> str:
    return {"system": "system_prompt", "human": "question", "ai": "history", "tool": "tool_result"}.get(
        message.type, "message"
    )


def _names(frames: Frames, frame: str) -> list[str]:
    return _unique(frames[frame][Frame.NAME]) if frame in frames else []


def _unique(column: pd.Series[Any]) -> list[str]:
    return [str(v) for v in column.dropna().unique() if str(v)]
