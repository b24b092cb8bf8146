"""A loopback OpenAI-compatible server for tests: ``POST /v1/chat/completions``, streamed or not.

It plays a script, one step per request, and records every request body. A step is a `Reply`
(text, tool calls, usage), an HTTP error (``Reply(status=500)``), a malformed body
(``Reply(garbage=True)``), or a function of the request body returning one of those. Streaming
requests get Server-Sent Events the way the OpenAI API sends them: role, content deltas, tool-call
deltas with their arguments in pieces, the finish reason, then (with ``stream_options.include_usage``)
a usage chunk and ``[DONE]``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    calls: list[tuple[str, dict[str, Any] | str]] = field(default_factory=list)  # str: raw arguments
    usage: tuple[int, int] = (700, 50)
    status: int = 200
    garbage: bool = False
    delay: float = 0.0  # seconds before answering (a model slower than the client's timeout)


Step = Reply | Callable[[dict[str, Any]], Reply]


class OpenAIServer:
    """Serves ``script`` at ``url`` (``http://127.0.0.1:<port>/v1``); ``bodies`` holds every request."""

    def __init__(self, script: list[Step]) -> None:
        self.script = list(script)
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if not self.script:
                return Reply(status=500, text="the test script ran out")
            step = self.script.pop(0)
        return step(body) if callable(step) else step

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.loads(raw)
            with server._lock:
                server.raw.append(raw)
                server.bodies.append(body)
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            reply = server.next_reply(body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                self._send(reply.status, {"error": {"message": reply.text or "boom", "type": "server_error"}})
            elif reply.garbage:
                self._raw(200, b"<html>this is not json {{{", "application/json")
            elif body.get("stream"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                chunks = "".join(f"data: {json.dumps(c)}\n\n" for c in _chunks(body, reply, include_usage))
                self._raw(200, (chunks + "data: [DONE]\n\n").encode(), "text/event-stream")
            else:
                self._send(200, _completion(body, reply))

        def _send(self, status: int, doc: dict[str, Any]) -> None:
            self._raw(status, json.dumps(doc).encode(), "application/json")

        def _raw(self, status: int, data: bytes, kind: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nobody is left to answer

    return Handler


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "id": f"call_{i}_{name}",
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
        for i, (name, args) in enumerate(reply.calls)
    ]


def _usage(reply: Reply) -> dict[str, int]:
    prompt, completion = reply.usage
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.calls:
        message["tool_calls"] = _calls(reply)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": body.get("model", "test"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if reply.calls else "stop"}
        ],
        "usage": _usage(reply),
    }


def _chunks(body: dict[str, Any], reply: Reply, include_usage: bool) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    words = reply.text.split(" ") if reply.text else []
    for i, word in enumerate(words):
        yield chunk({"content": word + (" " if i < len(words) - 1 else "")})
    for i, call in enumerate(_calls(reply)):
        args = call["function"]["arguments"]
        head = {
            "index": i,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        yield chunk({"tool_calls": [head]})
        for start in range(0, len(args), 7):  # arguments arrive in pieces, as they do from the API
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": args[start : start + 7]}}]})
    yield chunk({}, "tool_calls" if reply.calls else "stop")
    if include_usage:
        yield {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": body.get("model", "test"),
            "choices": [],
            "usage": _usage(reply),
        }
