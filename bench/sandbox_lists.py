"""Benchmark: how fast and how lean the sandbox serves big lists, next to the floor.

Starts `workbench sandbox start --synthetic pods=N,...` in a subprocess (so its memory is its own),
then lists every pod:

* ``sandbox paged raw``   — limit=500 pages over HTTP, bytes only (what the data layer's fast path
  reads; no decode), and the server's memory during it;
* ``sandbox unpaged raw`` — one request for everything;
* ``floor``               — the same bytes sent by a minimal loopback server that holds each page
  pre-encoded (nothing to look up, filter or join): the best any server can do here;
* ``official client``     — ``list_pod_for_all_namespaces(limit=500)`` with model objects, the path a
  user would pick, on the first `--client-pages` pages (it is ~50x slower; extrapolated).

Results print as a table of ratios within this one run. Usage::

    python bench/sandbox_lists.py --pods 150000 --nodes 5000
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from kubernetes import client, config


def rss_mib(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    cur = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return cur / 1024, peak / 1024


def fetch_pages(host: str, port: int, limit: int) -> tuple[int, int, list[bytes]]:
    """List all pods in pages; returns (items, bytes, the raw pages)."""
    conn = http.client.HTTPConnection(host, port, timeout=600)
    token, items, total, pages = "", 0, 0, []
    while True:
        path = f"/api/v1/pods?limit={limit}" + (f"&continue={token}" if token else "")
        conn.request("GET", path, headers={"Accept": "application/json"})
        body = conn.getresponse().read()
        total += len(body)
        pages.append(body)
        # Only the list's metadata matters here; decoding every item would measure the client.
        head = orjson.loads(body[: body.index(b',"items":[')] + b"}")
        items += body.count(b'"kind":"Pod"')
        token = head["metadata"].get("continue", "")
        if not token:
            return items, total, pages


def fetch_once(host: str, port: int) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=600)
    conn.request("GET", "/api/v1/pods", headers={"Accept": "application/json"})
    return len(conn.getresponse().read())


def floor_server(pages: list[bytes]) -> http.server.ThreadingHTTPServer:
    """A server that only writes pre-encoded pages in order: the lower bound for serving them."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # http.server's name
            m = re.search(r"continue=(\d+)", self.path)
            body = pages[int(m.group(1)) if m else 0]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    # Rewrite each page's continue token to the next page's index so the same client loop works.
    for i, page in enumerate(pages):
        cut = page.index(b',"items":[')
        head = orjson.loads(page[:cut] + b"}")
        if head["metadata"].get("continue"):
            head["metadata"]["continue"] = str(i + 1)
        pages[i] = orjson.dumps(head)[:-1] + page[cut:]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--client-pages", type=int, default=10)
    args = parser.parse_args()

    kubeconfig = Path(tempfile.mkdtemp()) / "bench.kubeconfig"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "sandbox",
            "start",
            "--scenario",
            "healthy",
            f"--synthetic=pods={args.pods},nodes={args.nodes}",
            "--kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            if "serving at" in line:
                url = line.rsplit(" ", 1)[1].strip()
                break
        if not url:
            print("the sandbox did not start", file=sys.stderr)
            return 1
        load_s = time.perf_counter() - started
        split = urlsplit(url)
        host, port = split.hostname or "127.0.0.1", split.port or 80
        rss_loaded, _ = rss_mib(proc.pid)

        t0 = time.perf_counter()
        n_items, n_bytes, pages = fetch_pages(host, port, 500)
        paged_s = time.perf_counter() - t0
        _, peak_paged = rss_mib(proc.pid)

        t0 = time.perf_counter()
        once_bytes = fetch_once(host, port)
        once_s = time.perf_counter() - t0
        _, peak_once = rss_mib(proc.pid)

        floor = floor_server(pages)
        t0 = time.perf_counter()
        floor_items, _, _ = fetch_pages("127.0.0.1", floor.server_address[1], 500)
        floor_s = time.perf_counter() - t0
        floor.shutdown()
        del pages

        config.load_kube_config(config_file=str(kubeconfig))
        api = client.CoreV1Api()
        t0 = time.perf_counter()
        token, client_items = None, 0
        for _ in range(args.client_pages):
            resp = api.list_pod_for_all_namespaces(limit=500, _continue=token)
            client_items += len(resp.items)
            token = resp.metadata._continue
            if not token:
                break
        client_s = time.perf_counter() - t0
        client_rate = client_items / client_s
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    mib = n_bytes / 2**20
    per_pod = n_bytes / n_items / 1024
    print(
        f"\nSandbox list benchmark: {n_items} pods, {mib:.0f} MiB of JSON ({per_pod:.1f} KiB/pod), "
        f"{args.nodes} nodes; start-up (generate + load) {load_s:.1f} s; CPUs: {os.cpu_count()}"
    )
    print(f"{'method':<34}{'time s':>9}{'pods/s':>11}{'MiB/s':>9}{'vs floor':>10}")
    rows = [
        ("floor (pre-encoded pages)", floor_s, floor_items),
        ("sandbox paged raw (limit=500)", paged_s, n_items),
        ("sandbox unpaged raw", once_s, n_items),
        (f"official client models ({client_items} pods)", client_items / client_rate, client_items),
    ]
    floor_rate = floor_items / floor_s
    for name, secs, items in rows:
        rate = items / secs
        mib_s = (n_bytes / n_items) * rate / 2**20
        print(f"{name:<34}{secs:>9.2f}{rate:>11.0f}{mib_s:>9.0f}{floor_rate / rate:>9.1f}x")
    print(f"\nofficial client extrapolated to {n_items} pods: {n_items / client_rate:.0f} s")
    print(
        f"sandbox memory: {rss_loaded:.0f} MiB after load = {rss_loaded / mib:.2f}x the data; "
        f"peak {peak_paged:.0f} MiB during the paged list ({peak_paged / mib:.2f}x), "
        f"{peak_once:.0f} MiB after the unpaged list ({peak_once / mib:.2f}x); "
        f"unpaged body {once_bytes / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
