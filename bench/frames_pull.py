"""Benchmark: pods into DataFrames from a sandbox serving 10k-150k pods, next to the alternatives.

For each size a sandbox (`workbench sandbox start --synthetic pods=N,...`) runs in its own process;
each method then runs in a fresh Python process, so its peak RSS is its own:

* ``floor``   — the same paged lists (limit=500) through our transport, bytes discarded (the source
  still decodes each page's object names, kept to resume a list whose continue token expires; ``ours``
  hands it those names from its own decode);
* ``ours``    — `workbench.frames.pull(source, ["pods"])`: the pods and containers frames, decoded
  from the same pages by typed msgspec structs that declare only the needed fields;
* ``generic`` — the same pages decoded by ``orjson.loads`` into dicts, then into the same structs
  and the same frames (what a careful user would write with a generic JSON decoder);
* ``decode``  — the same pages decoded into our structs and dropped: no frame is built, so no
  design that decodes with msgspec on one core can be faster than this;
* ``processes`` (with ``--processes``) — ours split over two forked worker processes, a few pages a
  task, the parts stacked at the end: a measure for the design decision, not the product's path;
* ``client``  — the official client's default: ``list_pod_for_all_namespaces()`` then ``to_dict()``
  (one request, models for every field). Above ``--client-max`` pods it is measured on a prefix
  (``limit=``) and extrapolated linearly; the table says so.

Besides wall seconds, the table gives each method's client CPU time (every thread of its process;
the sandbox's own is not counted), in seconds and per pod.

Targets (issue 4): (client - floor) / (ours - floor) >= 40; ours <= 1.5 x floor; ours < generic;
ours' peak RSS < 1 GiB at 150k pods. Usage::

    python bench/frames_pull.py --sizes 10000,50000,150000 --client-max 50000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _sandbox import start_sandbox  # bench/ is the script's directory

POD_KIND = ("pods",)


def raw_fields(pod: dict[str, Any]) -> dict[str, Any]:
    """Re-wrap the fields our structs keep as raw JSON (containers' env, resources, probes, ports and
    securityContext, the pod's securityContext, projected and ephemeral volumes: decoded once per
    distinct text), so the generic path can convert its dicts into the same structs."""
    import msgspec
    import orjson

    spec = pod.get("spec") or {}
    raw = ("env", "envFrom", "resources", "livenessProbe", "readinessProbe", "startupProbe", "ports")
    for c in (*spec.get("containers", ()), *spec.get("initContainers", ())):
        for key in (*raw, "securityContext"):
            if key in c:
                c[key] = msgspec.Raw(orjson.dumps(c[key]))
    if "securityContext" in spec:
        spec["securityContext"] = msgspec.Raw(orjson.dumps(spec["securityContext"]))
    for v in spec.get("volumes", ()):
        if "ephemeral" in v:
            v["ephemeral"] = msgspec.Raw(orjson.dumps(v["ephemeral"]))
        if "sources" in v.get("projected", {}):
            v["projected"]["sources"] = msgspec.Raw(orjson.dumps(v["projected"]["sources"]))
    return pod


def worker(method: str, kubeconfig: str, limit: int) -> dict[str, Any]:
    """Run one method in this process; returns seconds, CPU seconds, rows and this process's peak RSS."""
    import msgspec
    import orjson
    from kubernetes import client, config

    from workbench.frames import _pods, pull
    from workbench.sources import builtin, connect_live

    # Imports happen before the clock starts: only the pull itself is measured.
    source = connect_live(kubeconfig=kubeconfig)
    pods = builtin("pods")
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    rows = 0
    if method == "floor":
        for page in source.list_pages(pods):
            rows += page.count(b'"kind":"Pod"') or page.count(b'"uid"')
    elif method == "decode":  # a lower bound of any typed-struct path: each page decoded, nothing built
        listed = source.list_pages(pods)
        for page in listed:
            items = _pods.d.decode_items(_pods._DECODER, page)
            listed.seen([f"{p.metadata.namespace}/{p.metadata.name}" for p in items])  # as ours does
            rows += len(items)
            del items
    elif method == "processes":  # a measure for a design decision, not the product's path
        frames = _in_processes(source.list_pages(pods), workers=2, batch=8)
        rows = len(frames["pods"])
        assert len(frames["containers"]) >= rows
    elif method == "ours":
        frames = pull(source, ["pods"])
        rows = len(frames.pods)
        assert len(frames.containers) >= rows
    elif method == "generic":
        decoded = (
            msgspec.convert([raw_fields(i) for i in orjson.loads(page)["items"]], list[_pods.Pod])
            for page in source.list_pages(pods)
        )
        frames = _pods.pod_frames(decoded)
        rows = len(frames["pods"])
        assert len(frames["containers"]) >= rows
    elif method == "client":
        config.load_kube_config(config_file=kubeconfig)
        api = client.CoreV1Api()
        response = api.list_pod_for_all_namespaces(**({"limit": limit} if limit else {}))
        dicts = [pod.to_dict() for pod in response.items]
        rows = len(dicts)
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    source.close()
    return {"method": method, "seconds": seconds, "cpu": cpu, "rows": rows, "peak_mib": peak}


def _batch_frames(pages: list[bytes]) -> dict[str, Any]:
    """The pods and containers frames of a few pages, in a worker process."""
    from workbench.frames import _pods

    return _pods.build_pods(None, iter(pages))  # type: ignore[arg-type]


def _in_processes(pages: Any, workers: int, batch: int) -> dict[str, Any]:
    """Pages decoded by ``workers`` processes, ``batch`` pages a task, the parts stacked at the end."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from workbench.frames._decode import concat

    parts = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        chunk: list[bytes] = []
        for page in pages:
            chunk.append(page)
            if len(chunk) == batch:
                parts.append(pool.submit(_batch_frames, chunk))
                chunk = []
        if chunk:
            parts.append(pool.submit(_batch_frames, chunk))
        done = [f.result() for f in parts]
    return {name: concat(name, [d[name] for d in done]) for name in ("pods", "containers")}


def _cpu_seconds() -> float:
    """This process's CPU time (user and system, every thread): the client's side of the work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, once they ended
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def run_worker(method: str, kubeconfig: Path, limit: int = 0) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            method,
            "--kubeconfig",
            str(kubeconfig),
            "--limit",
            str(limit),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(pods: int, client_max: int, repeats: int, processes: bool) -> list[str]:
    kubeconfig = Path(tempfile.mkdtemp()) / "bench.kubeconfig"
    proc = start_sandbox(pods, kubeconfig)
    methods = ("floor", "decode", "ours", "generic", *(("processes",) if processes else ()))
    try:
        results: dict[str, dict[str, Any]] = {}
        for method in methods:
            runs = [run_worker(method, kubeconfig) for _ in range(repeats)]
            results[method] = min(runs, key=lambda r: r["seconds"])  # least disturbed by the neighbours
        prefix = 0 if pods <= client_max else client_max
        results["client"] = run_worker("client", kubeconfig, prefix)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    client = results["client"]
    client_s = client["seconds"] * pods / client["rows"]
    floor_s, ours_s, generic_s = (results[m]["seconds"] for m in ("floor", "ours", "generic"))
    total = results["ours"]["rows"]
    client_note = f"{client_s:.1f}" + ("" if not prefix else f" (from {client['rows']} pods)")
    client_work = (client_s - floor_s) / max(ours_s - floor_s, 1e-3)
    client_cpu = client["cpu"] * pods / client["rows"]

    def cpu(method: str) -> str:  # client CPU seconds, and microseconds a pod
        return f"{results[method]['cpu']:.2f} ({results[method]['cpu'] / total * 1e6:.0f} µs)"

    def row(method: str, label: str) -> str:
        seconds = results[method]["seconds"]
        return (
            f"| | {label} | {seconds:.2f} | {seconds / floor_s:.2f}x | {cpu(method)} | "
            f"{results[method]['peak_mib']:.0f} |"
        )

    return [
        f"| {total:,} | floor: pages fetched, bytes discarded | {floor_s:.2f} | 1.00x | {cpu('floor')} | "
        f"{results['floor']['peak_mib']:.0f} |",
        row("decode", "decode only: our structs, nothing built (a lower bound)"),
        row("ours", "ours: pods + containers frames"),
        *([row("processes", "ours in 2 forked worker processes (not the product)")] if processes else []),
        row("generic", "generic: orjson dicts -> same frames"),
        f"| | official client + to_dict() | {client_note} | {client_s / floor_s:.1f}x | "
        f"{client_cpu:.1f} | {client['peak_mib']:.0f}{'' if not prefix else ' (prefix)'} |",
        f"| | **client-side work, client vs ours: (c-a)/(b-a)** | **{client_work:.0f}x** | "
        f"ours vs generic: {generic_s / ours_s:.1f}x faster | | |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,50000,150000")
    parser.add_argument("--client-max", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--processes", action="store_true", help="also measure the decode split over worker processes"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--kubeconfig", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.kubeconfig, args.limit)))
        return 0
    print(f"Frames pull benchmark on {os.cpu_count()} CPUs; best of {args.repeats} of each but the client")
    print("| pods | method | seconds | vs floor | client CPU s (a pod) | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        for line in measure(size, args.client_max, args.repeats, args.processes):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
