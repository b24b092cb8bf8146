"""Network commands of a busybox shell: ``nslookup``, ``wget``, ``nc``, ``curl`` and ``ping``.

They ask the caller through `Lookup`/`Connect` (answered at the simulated moment they run, from the
cluster's DNS, Services and NetworkPolicies) and print what busybox prints for each answer. A name
that does not resolve, a refused connection and a timeout (which takes its time) each read as they
would in a real container.
"""

from __future__ import annotations

import math
from typing import Any

from workbench.sandbox._control._kubelet._shell import Shell
from workbench.sandbox._control._kubelet._shtypes import Connect, Lookup, Run

CLUSTER_DNS = "10.96.0.10"


def _address(answer: Any) -> tuple[str, str] | None:
    return answer if isinstance(answer, tuple) else None


def nslookup(sh: Shell, args: list[str]) -> Run:
    names = [a for a in args if not a.startswith("-")]
    if not names:
        return 1
    host = names[0]
    answer = yield Lookup(host)
    yield from sh.out(f"Server:\t\t{CLUSTER_DNS}")
    yield from sh.out(f"Address:\t{CLUSTER_DNS}:53")
    yield from sh.out("")
    found = _address(answer)
    if found is None:
        if "no such host" in str(answer):
            yield from sh.out(f"** server can't find {host}: NXDOMAIN")
        else:
            yield from sh.sleep(10)
            yield from sh.out(";; connection timed out; no servers could be reached")
        yield from sh.out("")
        return 1
    ip, fqdn = found
    yield from sh.out(f"Name:\t{fqdn}")
    yield from sh.out(f"Address: {ip}")
    yield from sh.out("")
    return 0


def _url(target: str) -> tuple[str, int]:
    scheme, _, rest = target.rpartition("://")
    hostport = rest.split("/", 1)[0]
    host, _, port = hostport.partition(":")
    return host, int(port) if port.isdigit() else (443 if scheme == "https" else 80)


def _connect(sh: Shell, host: str, port: int) -> Run:
    """Resolve and connect; returns 0 ok, 1 bad address, 2 refused, 3 timed out (status in sh.vars)."""
    answer = yield Lookup(host)
    found = _address(answer)
    if found is None:
        if "no such host" not in str(answer):
            yield from sh.sleep(10)
        sh.vars["_IP"] = ""
        return 1
    sh.vars["_IP"] = found[0]
    ok, error = yield Connect(host, port)
    if ok:
        return 0
    if "refused" in error:
        return 2
    yield from sh.sleep(10)
    return 3


def wget(sh: Shell, args: list[str]) -> Run:
    quiet = any(a.startswith("-") and not a.startswith("--") and "q" in a for a in args)
    spider = "--spider" in args
    urls = [a for a in args if "://" in a or (not a.startswith("-") and "." in a and "/" in a)]
    if not urls:
        yield from sh.err("wget: missing URL")
        return 1
    host, port = _url(urls[0])
    result = yield from _connect(sh, host, port)
    ip = sh.vars.pop("_IP", "")
    if result == 1:
        named = urls[0].split("//")[-1].split("/", 1)[0]
        yield from sh.err(f"wget: bad address '{named}'")
        return 1
    if not quiet:
        yield from sh.err(
            f"Connecting to {host}:{port} ({ip}:{port})" if port != 80 else f"Connecting to {host} ({ip}:80)"
        )
    if result == 2:
        yield from sh.err(f"wget: can't connect to remote host ({ip}): Connection refused")
        return 1
    if result == 3:
        yield from sh.err("wget: download timed out")
        return 1
    if not quiet:
        yield from sh.err("remote file exists" if spider else "saving to 'index.html'")
        if not spider:
            yield from sh.err("'index.html' saved")
    return 0


def nc(sh: Shell, args: list[str]) -> Run:
    words = [
        a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in ("-w",))
    ]
    if len(words) < 2 or not words[1].isdigit():
        return 1
    host, port = words[0], int(words[1])
    verbose = any(a.startswith("-") and "v" in a for a in args)
    result = yield from _connect(sh, host, port)
    ip = sh.vars.pop("_IP", "")
    if result == 1:
        yield from sh.err(f"nc: bad address '{host}'")
        return 1
    if result == 0:
        if verbose:
            yield from sh.err(f"{host} ({ip}:{port}) open")
        return 0
    yield from sh.err(
        f"nc: {host} ({ip}:{port}): {'Connection refused' if result == 2 else 'Connection timed out'}"
    )
    return 1


def curl(sh: Shell, args: list[str]) -> Run:
    urls = [a for a in args if "://" in a or (not a.startswith("-") and ("." in a or ":" in a))]
    if not urls:
        yield from sh.err("curl: try 'curl --help' or 'curl --manual' for more information")
        return 2
    host, port = _url(urls[0])
    result = yield from _connect(sh, host, port)
    sh.vars.pop("_IP", None)
    silent = any(a.startswith("-") and not a.startswith("--") and "s" in a and "S" not in a for a in args)
    messages = {
        1: (6, f"curl: (6) Could not resolve host: {host}"),
        2: (7, f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server"),
        3: (28, f"curl: (28) Failed to connect to {host} port {port} after 10002 ms: Timeout was reached"),
    }
    if result in messages:
        code, text = messages[result]
        if not silent:
            yield from sh.err(text)
        return code
    return 0


def ping(sh: Shell, args: list[str]) -> Run:
    names = [
        a
        for i, a in enumerate(args)
        if not a.startswith("-") and (i == 0 or args[i - 1] not in ("-c", "-W", "-w"))
    ]
    count = next(
        (int(args[i + 1]) for i, a in enumerate(args[:-1]) if a == "-c" and args[i + 1].isdigit()), 0
    )
    if not names:
        return 1
    host = names[0]
    answer = yield Lookup(host)
    found = _address(answer)
    if found is None:
        yield from sh.err(f"ping: bad address '{host}'")
        return 1
    yield from sh.out(f"PING {host} ({found[0]}): 56 data bytes")
    if not count:
        yield from sh.sleep(math.inf)
        return 0
    yield from sh.sleep(count)
    yield from sh.out("")
    yield from sh.out(f"--- {host} ping statistics ---")
    yield from sh.out(f"{count} packets transmitted, 0 packets received, 100% packet loss")
    return 1
