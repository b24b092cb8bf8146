"""HTTP plumbing for the sandbox: request parsing, JSON/Status responses, chunked streams.

The server is the standard library's threading HTTP server speaking HTTP/1.1 with keep-alive;
it is enough for kubectl, the official client and the benchmarks, and needs no event loop that
could fight a Jupyter kernel's.
"""

from __future__ import annotations

import contextlib
import logging
import select
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import yaml

from workbench.errors import SandboxApiError, SandboxStartError
from workbench.sandbox._protobuf import decode_request

log = logging.getLogger("workbench.sandbox")

_MAX_BODY = 64 * 1024 * 1024  # a real server refuses request bodies over a few MB; be generous
_STREAM_THRESHOLD = 4 * 1024 * 1024


class ClientGoneError(Exception):
    """The client closed the connection while we were writing to it."""


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each response waits ~40 ms for the
    # client's delayed ACK.
    disable_nagle_algorithm = True
    # A client that stops sending mid-request must not hold a thread forever. Watches and follows
    # only write (and poll with select), so the timeout never cuts a healthy stream.
    timeout = 120
    streaming = False  # set once a chunked response has begun: an error can then only end it
    server_version = "workbench-sandbox"
    sys_version = ""

    path_only: str
    query: dict[str, str]

    # -- request ----------------------------------------------------------------------------------
    def parse_target(self) -> None:
        split = urlsplit(self.path)
        self.path_only = split.path
        self.query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}

    def read_body(self) -> bytes:
        """The request body; a body that cannot be read leaves the connection unusable, so close it."""
        text = self.headers.get("Content-Length") or "0"
        if not text.strip().isdigit():
            self.close_connection = True
            raise SandboxApiError(400, "BadRequest", f"invalid Content-Length {text!r}")
        length = int(text)
        if length > _MAX_BODY:
            self.close_connection = True
            raise SandboxApiError(413, "RequestEntityTooLarge", "the request body is too large")
        if length:
            try:
                body = self.rfile.read(length)
            except OSError as exc:
                raise ClientGoneError from exc
            if len(body) < length:  # the client went away mid-body: no one to answer
                raise ClientGoneError
            return body
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self.rfile.readline()
            if not line:
                raise ClientGoneError
            try:
                size = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                self.close_connection = True
                raise SandboxApiError(400, "BadRequest", "malformed chunked encoding") from None
            if size == 0:
                self.rfile.readline()
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def json_body(self, raw: bytes) -> Any:
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if ctype.lower() == "application/vnd.kubernetes.protobuf":  # kubectl's typed writes (create, can-i)
            return decode_request(raw)
        if "protobuf" in ctype or "cbor" in ctype:
            raise SandboxApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - "
                "accepted media types include: application/json, application/yaml",
            )
        if ctype.lower() not in ("application/json", "application/yaml", "*/*"):  # text/plain...
            raise SandboxApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - "
                "accepted media types include: application/json, application/yaml",
            )
        if not raw:
            raise SandboxApiError(400, "BadRequest", "the request body is empty: send the object as JSON")
        try:
            if "yaml" in ctype:
                return yaml.safe_load(raw.decode())
            return orjson.loads(raw)
        except Exception as exc:
            raise SandboxApiError(
                400,
                "BadRequest",
                f"the object provided is unrecognized: could not decode the request body as {ctype}: {exc}",
            ) from exc

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("true", "1")

    def int_param(self, name: str) -> int | None:
        value = self.query.get(name, "")
        if value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise SandboxApiError(
                400, "BadRequest", f"invalid value for {name}: {value!r} is not an integer"
            ) from None

    # -- responses --------------------------------------------------------------------------------
    def send_bytes(
        self, code: int, body: bytes, ctype: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, code: int, obj: Any) -> None:
        self.send_bytes(code, orjson.dumps(obj))

    def send_error_status(self, err: SandboxApiError) -> None:
        self.send_json(err.code, err.to_status())

    def send_chunks(self, code: int, chunks: Iterable[bytes], ctype: str = "application/json") -> None:
        """Send a body assembled from chunks: one write with a length when small, streamed when large."""
        parts: list[bytes] = []
        size = 0
        iterator = iter(chunks)
        for chunk in iterator:
            parts.append(chunk)
            size += len(chunk)
            if size > _STREAM_THRESHOLD:
                break
        else:
            self.send_bytes(code, b"".join(parts), ctype)
            return
        self.start_stream(code, ctype)
        self.write_chunk(b"".join(parts))
        batch: list[bytes] = []
        batch_size = 0
        for chunk in iterator:
            batch.append(chunk)
            batch_size += len(chunk)
            if batch_size >= 1024 * 1024:
                self.write_chunk(b"".join(batch))
                batch, batch_size = [], 0
        if batch:
            self.write_chunk(b"".join(batch))
        self.end_stream()

    def start_stream(self, code: int, ctype: str) -> None:
        self.streaming = True
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError) as exc:
            raise ClientGoneError from exc

    def end_stream(self) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def client_closed(self) -> bool:
        """True when the peer has closed its side (a watch or follow whose client went away)."""
        sock: socket.socket = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            if isinstance(sock, ssl.SSLSocket):
                # No peeking through TLS; a client sends nothing while it watches, so anything
                # readable is its close_notify or its FIN.
                return True
            return sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def log_message(self, format: str, *args: Any) -> None:  # the base class's signature
        log.debug("%s %s", self.address_string(), format % args)


# -- TLS for token-carrying clients ---------------------------------------------------------------------
_TLS_RECORD_HANDSHAKE = 0x16  # the first byte of a TLS ClientHello; no HTTP request starts with it


def self_signed_tls() -> tuple[ssl.SSLContext, bytes]:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1, and the certificate.

    kubectl (client-go) reads a kubeconfig's credentials only for an ``https`` server, so clients
    with a token reach the sandbox over TLS. The key and certificate come from the ``openssl``
    command (the standard library cannot make them) and never touch the disk for longer than the
    load takes.

    Raises:
        SandboxStartError: ``openssl`` is missing or fails.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SandboxStartError(
            "users with tokens need TLS (kubectl sends no token over plain HTTP) and the sandbox makes "
            "its certificate with the openssl command, which is not installed: install openssl "
            "(apt-get install openssl)"
        )
    with tempfile.TemporaryDirectory(prefix="workbench-sandbox-tls-") as tmp:
        key, cert = Path(tmp) / "key.pem", Path(tmp) / "cert.pem"
        args = [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "3650", "-subj", "/CN=workbench-sandbox",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ]  # fmt: skip
        # A fixed argument list (no shell, no outside input) for the openssl found on PATH.
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SandboxStartError(
                f"openssl could not make the sandbox's certificate: {done.stderr.strip()}"
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context, cert.read_bytes()


def accept_tls(request: socket.socket, context: ssl.SSLContext | None, timeout: float) -> socket.socket:
    """The connection as it should be read: wrapped in TLS when the client opens with a handshake.

    One port serves both plain HTTP (the admin's kubeconfig, benchmarks) and TLS (users' tokens);
    without a context (no users yet) the connection is not looked at.
    """
    if context is None:
        return request
    request.settimeout(timeout)
    try:
        first = request.recv(1, socket.MSG_PEEK)
    except OSError:
        return request  # the handler meets the same error and drops the connection
    if first and first[0] == _TLS_RECORD_HANDSHAKE:
        return context.wrap_socket(request, server_side=True)
    return request
