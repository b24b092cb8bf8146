"""Benchmark: does the simulated control plane keep up on a 150k-pod cluster?

Runs in-process on a synthetic cluster (the healthy kind cluster plus `--pods`/`--nodes` generated
objects) with a manual clock, so simulated time is driven as fast as the controllers allow:

* ``start``    — starting the sandbox with the control plane vs without it (initial sync cost);
* ``idle``     — 10 simulated minutes with nothing changing: what the controllers cost per
                 simulated second on the big cluster vs on the bare 3-node cluster (must not scale
                 with the number of pods: no per-object timers);
* ``rollout``  — `--rollouts` Deployments get a new image tag at once (the catalog is taught the
                 synthetic images and their ports): simulated seconds until every one has rolled
                 out, against the real seconds
                 that took. Above 1.0x the controllers run ahead of real time, i.e. the server does
                 not fall behind at `--speed 1`;
* ``latency``  — a namespace's pod list over HTTP (what `kubectl get pods -n x` does) while the
                 rollout runs vs while idle.

Usage::

    python bench/control_plane.py --pods 150000 --nodes 5000 --rollouts 50
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from typing import Any

from workbench import sandbox
from workbench.sandbox._control._apps import images_from_mapping

WARM = 5


def timed_start(**kwargs: Any) -> tuple[sandbox.Sandbox, float]:
    started = time.perf_counter()
    sb = sandbox.start(manual_clock=True, **kwargs)
    return sb, time.perf_counter() - started


def idle_cost(sb: sandbox.Sandbox, seconds: float = 600) -> tuple[float, int]:
    syncs = sb.control.syncs
    started = time.perf_counter()
    sb.advance(seconds)
    return time.perf_counter() - started, sb.control.syncs - syncs


def deployments(sb: sandbox.Sandbox, count: int) -> list[tuple[str, str, int]]:
    cluster = sb.control.cluster
    found = []
    for entry in cluster.entries("Deployment"):
        obj = entry.decode()
        meta = obj["metadata"]
        if meta.get("namespace") == "kube-system":
            continue
        found.append((meta["namespace"], meta["name"], int(obj["spec"].get("replicas", 1))))
        if len(found) == count:
            break
    return found


def rolled_out(sb: sandbox.Sandbox, targets: list[tuple[str, str, int]]) -> bool:
    cluster = sb.control.cluster
    for ns, name, replicas in targets:
        obj = cluster.get("Deployment", ns, name)
        status = (obj or {}).get("status") or {}
        if obj is None or status.get("observedGeneration") != obj["metadata"].get("generation"):
            return False
        if (status.get("updatedReplicas"), status.get("availableReplicas"), status.get("replicas")) != (
            replicas,
            replicas,
            replicas,
        ):
            return False
    return True


def list_latency(url: str, namespace: str, stop: threading.Event, out: list[float]) -> None:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    while not stop.is_set():
        started = time.perf_counter()
        conn.request("GET", f"/api/v1/namespaces/{namespace}/pods?limit=500")
        body = conn.getresponse().read()
        out.append(time.perf_counter() - started)
        json.loads(body)  # the client's own decode is not timed, but the answer must be whole
        time.sleep(0.05)


def catalog_for(sb: sandbox.Sandbox, targets: list[tuple[str, str, int]]) -> None:
    """Teach the image catalog the targets' images (their ports, /healthz and /readyz) and a v2 tag.

    The synthetic cluster's images are fictional; without this every new pod would fail to pull.
    """
    cluster = sb.control.cluster
    images: dict[str, dict[str, Any]] = {}
    for ns, name, _ in targets:
        obj = cluster.get("Deployment", ns, name)
        assert obj is not None
        for container in obj["spec"]["template"]["spec"]["containers"]:
            repo = container["image"].rsplit(":", 1)[0]
            entry = images.setdefault(
                repo, {"ports": [], "paths": ["/", "/healthz", "/readyz"], "startup": "3s"}
            )
            entry["ports"] = sorted(
                {*entry["ports"], *(p["containerPort"] for p in container.get("ports", []))}
            )
    cluster.catalog = cluster.catalog.extended(images_from_mapping(images, source="bench"))


def rollout(sb: sandbox.Sandbox, targets: list[tuple[str, str, int]], limit: float) -> tuple[float, float]:
    """Give every target's main container a new tag; advance 1 s at a time until all rolled out.
    Returns (simulated, real) seconds."""
    api = sb.api
    rtype = sb.control.cluster.rtype("Deployment")
    for ns, name, _ in targets:
        container = api.get(rtype, ns, name)["spec"]["template"]["spec"]["containers"][0]
        image = container["image"].rsplit(":", 1)[0] + ":v2-bench"
        patch = {
            "spec": {"template": {"spec": {"containers": [{"name": container["name"], "image": image}]}}}
        }
        api.patch(rtype, ns, name, "application/strategic-merge-patch+json", json.dumps(patch).encode())
    simulated, started = 0.0, time.perf_counter()
    while not rolled_out(sb, targets) and simulated < limit:
        sb.advance(1)
        simulated += 1
    return simulated, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--rollouts", type=int, default=50)
    args = parser.parse_args()
    synthetic = f"pods={args.pods},nodes={args.nodes}"

    bare, _ = timed_start(scenario="healthy")
    bare_idle, bare_syncs = idle_cost(bare)
    bare.stop()
    plain, plain_start = timed_start(synthetic=synthetic, control_plane=False)
    plain.stop()
    sb, with_start = timed_start(synthetic=synthetic)
    print(f"synthetic cluster {synthetic}, control plane errors so far: {len(sb.control.errors)}")
    print(f"start without control plane {plain_start:7.1f} s")
    print(f"start with control plane    {with_start:7.1f} s   ({with_start / plain_start:.2f}x)")
    big_idle, big_syncs = idle_cost(sb)
    print(f"idle 600 simulated s, 3-node cluster: {bare_idle:6.2f} s real, {bare_syncs} syncs")
    print(f"idle 600 simulated s, big cluster:    {big_idle:6.2f} s real, {big_syncs} syncs")

    chosen = deployments(sb, args.rollouts + WARM)
    catalog_for(sb, chosen)
    warm, targets = chosen[:WARM], chosen[WARM:]
    warm_sim, warm_real = rollout(sb, warm, limit=1800)
    print(
        f"first rollout ({WARM} Deployments; fills the scheduler's cache of nodes and pods, as "
        f"kube-scheduler's informers do at start): {warm_sim:.0f} simulated s / {warm_real:.1f} real s"
    )
    namespace = targets[0][0]
    stop, idle_lat, busy_lat = threading.Event(), [], []  # type: ignore[var-annotated]
    probe = threading.Thread(target=list_latency, args=(sb.url, namespace, stop, idle_lat))
    probe.start()
    time.sleep(3)
    stop.set()
    probe.join()
    stop = threading.Event()
    probe = threading.Thread(target=list_latency, args=(sb.url, namespace, stop, busy_lat))
    probe.start()
    pods = sum(r for _, _, r in targets)
    writes_before = sb.api.store.resource_version
    simulated, real = rollout(sb, targets, limit=1800)
    stop.set()
    probe.join()
    writes = sb.api.store.resource_version - writes_before
    done = rolled_out(sb, targets)
    print(
        f"rollout of {len(targets)} Deployments ({pods} pods): {'done' if done else 'NOT done'} in "
        f"{simulated:.0f} simulated s / {real:.1f} real s = {simulated / real:.1f}x real time; "
        f"{writes} writes ({writes / real:.0f}/s)"
    )
    idle_med, busy_med = statistics.median(idle_lat), statistics.median(busy_lat)
    print(
        f"list pods -n {namespace}: idle median {idle_med * 1000:.1f} ms, during rollout "
        f"{busy_med * 1000:.1f} ms ({busy_med / idle_med:.1f}x), p95 "
        f"{sorted(busy_lat)[int(len(busy_lat) * 0.95)] * 1000:.1f} ms"
    )
    print(f"control plane errors: {len(sb.control.errors)}")
    sb.stop()


if __name__ == "__main__":
    main()
