"""Starting sandboxes: snapshots (read-only), extra manifests, ports, clocks and kubeconfigs."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config

from tests.conftest import make_kubectl
from workbench import sandbox
from workbench.errors import ConfigError, SandboxStartError

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_recorded_snapshot_is_served_read_only(tmp_path: Path) -> None:
    with sandbox.start(snapshot=FIXTURES / "recorded-lists.json", read_only=True) as sb:
        kubectl = make_kubectl(sb, tmp_path / "cache")
        pods = kubectl("get", "pods", "-n", "shop", "-o", "name").stdout.split()
        assert pods == ["pod/api-7c9d8f6b5d-q8w2n"]
        assert kubectl("get", "nodes", "-o", "name").stdout.split() == ["node/gke-prod-pool-1-3f2a9c1d-x7k2"]
        refused = kubectl("delete", "pod", "-n", "shop", "api-7c9d8f6b5d-q8w2n", check=False)
        assert refused.returncode == 1
        assert "Error from server (Forbidden)" in refused.stderr
        assert "read-only snapshot" in refused.stderr
        denied = kubectl("auth", "can-i", "delete", "pods", check=False).stdout.strip()
        assert denied == "no - the sandbox is serving a read-only snapshot"
        assert kubectl("auth", "can-i", "list", "pods").stdout.strip() == "yes"
        assert kubectl("get", "pods", "-n", "shop", "-o", "name").stdout.split() == pods


def test_extra_manifests_are_loaded_beside_the_scenario(tmp_path: Path) -> None:
    manifest = tmp_path / "extra.yaml"
    manifest.write_text(
        yaml.safe_dump_all(
            [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "app-config", "namespace": "shop"},
                    "data": {"LOG_LEVEL": "info"},
                },
            ]
        )
    )
    with sandbox.start(manifests=[manifest]) as sb:
        configmaps, nodes_type = sb.api.registry.get("configmaps"), sb.api.registry.get("nodes")
        assert configmaps is not None
        assert nodes_type is not None
        config_map = sb.api.get(configmaps, "shop", "app-config")
        assert config_map["data"] == {"LOG_LEVEL": "info"}
        assert config_map["metadata"]["uid"]
        nodes = sb.api.list(nodes_type, None)
        assert len(nodes.entries) == 3  # the healthy scenario is still there


def test_every_start_gets_a_fresh_port_and_its_own_kubeconfig_that_stop_removes() -> None:
    with sandbox.start() as first, sandbox.start() as second:
        assert first.port != second.port
        kubeconfig = first.kubeconfig
        server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        assert server == first.url
        config.load_kube_config(config_file=str(kubeconfig))
        names = [n.metadata.name for n in client.CoreV1Api().list_node().items]
        assert names == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert not kubeconfig.exists()


def test_a_taken_port_is_refused_with_the_fix(tmp_path: Path) -> None:
    with sandbox.start() as running, pytest.raises(SandboxStartError, match="already in use"):
        sandbox.start(port=running.port, kubeconfig=tmp_path / "kc")


def test_a_manual_clock_moves_only_when_advanced(tmp_path: Path) -> None:
    with sandbox.start(manual_clock=True) as sb:
        before = sb.clock.now()
        time.sleep(0.05)
        assert sb.clock.now() == before
        kubectl = make_kubectl(sb, tmp_path / "cache")
        pod = kubectl(
            "get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", "name"
        ).stdout.split()[0]
        kubectl("delete", "-n", "kube-system", pod, "--wait=false")
        # Scheduled pods terminate gracefully: still there, marked, until simulated time passes.
        marked = kubectl(
            "get", "-n", "kube-system", pod, "-o", "jsonpath={.metadata.deletionTimestamp}"
        ).stdout
        assert marked
        sb.advance(5)
        gone = kubectl("get", "-n", "kube-system", pod, check=False)
        assert "NotFound" in gone.stderr
        assert (sb.clock.now() - before).total_seconds() == pytest.approx(5)


def test_speed_makes_simulated_time_run_faster() -> None:
    with sandbox.start(speed=100) as sb:
        before = sb.clock.now()
        time.sleep(0.2)
        assert (sb.clock.now() - before).total_seconds() >= 10


def test_bad_options_name_the_fix() -> None:
    with pytest.raises(ConfigError, match="positive"):
        sandbox.start(speed=0)
    with pytest.raises(ConfigError, match="port"):
        sandbox.start(port=70000)


def test_sandbox_start_prints_how_to_use_the_sandbox(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            ".venv/bin/workbench" if Path(".venv/bin/workbench").exists() else "workbench",
            "sandbox",
            "start",
            "--kubeconfig",
            str(tmp_path / "demo.kubeconfig"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert lines[0].startswith("Sandbox cluster 'healthy' is serving at http://127.0.0.1:")
    assert lines[2].strip() == f"Point kubectl at it:  export KUBECONFIG={tmp_path / 'demo.kubeconfig'}"
