"""The notebook facade end to end: a live sandbox, a snapshot of it, and the same frames from both."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import workbench
from tests.conftest import KUBECTL
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError, KubeconfigError, SnapshotError
from workbench.frames.schema import Containers, Logs, Pods
from workbench.model import ObjectRef

PLANTED = "hunter2-Sup3rS3cret-value"


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox_pkg.Sandbox]:
    """The multi-fault incident, five minutes in, with a secret planted in a Secret and an env value."""
    manifest = tmp_path_factory.mktemp("manifests") / "planted.yaml"
    manifest.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db-login", "namespace": "default"},
                "stringData": {"password": PLANTED},
            }
        )
    )
    with sandbox_pkg.start(scenario="incident", manual_clock=True, manifests=[manifest]) as sb:
        sb.advance(300)
        yield sb


@pytest.fixture(scope="module")
def snapshot(incident: sandbox_pkg.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with workbench.connect(kubeconfig=incident.kubeconfig) as cluster:
        return cluster.snapshot(tmp_path_factory.mktemp("snap") / "incident.wbsnap")


def test_a_snapshot_gives_the_same_frames_as_the_live_cluster(
    incident: sandbox_pkg.Sandbox, snapshot: Path
) -> None:
    with workbench.connect(kubeconfig=incident.kubeconfig) as live, workbench.open_snapshot(snapshot) as snap:
        a, b = live.frames(), snap.frames()
        assert a.pulled == b.pulled
        assert [(m.frame, m.reason) for m in a.missing] == [(m.frame, m.reason) for m in b.missing]
        for name in a.pulled:
            pd.testing.assert_frame_equal(a[name], b[name], obj=name)
        assert len(a.pods) > 20
        assert b.server_version["gitVersion"].startswith("v1.32")


def test_the_snapshot_holds_no_secret_value(snapshot: Path) -> None:
    with zipfile.ZipFile(snapshot) as archive:
        for member in archive.namelist():
            assert PLANTED.encode() not in archive.read(member), member
    with workbench.open_snapshot(snapshot) as snap:
        secrets = snap.frames().secrets
        row = secrets[secrets[Pods.NAME] == "db-login"].iloc[0]
        assert list(row["keys"]) == ["password"]


def test_failing_containers_logs_are_captured_and_read_back_as_frames(
    incident: sandbox_pkg.Sandbox, snapshot: Path
) -> None:
    with workbench.connect(kubeconfig=incident.kubeconfig) as live, workbench.open_snapshot(snapshot) as snap:
        containers = live.frames().containers
        restarted = containers[containers[Containers.RESTARTS] > 0]
        assert not restarted.empty, "the incident has crash-looping containers"
        row = restarted.iloc[0]
        ref = ObjectRef("Pod", row[Containers.NAMESPACE], row[Containers.NAME])
        container = row[Containers.CONTAINER]
        live_log = live.logs(ref, container=container, previous=True, tail=50)
        snap_log = snap.logs(ref, container=container, previous=True, tail=50)
        assert len(live_log) > 0
        assert list(live_log[Logs.LINE]) == list(snap_log[Logs.LINE])
        assert str(live_log[Logs.TIME].dtype) == "datetime64[ns, UTC]"


def test_logs_need_a_pod(incident: sandbox_pkg.Sandbox) -> None:
    with workbench.connect(kubeconfig=incident.kubeconfig) as live:
        with pytest.raises(ConfigError, match="namespace="):
            live.logs("web-0")
        with pytest.raises(ConfigError, match="pick one of its pods"):
            live.logs(ObjectRef("Deployment", "shop", "web"))


def test_connect_without_a_kubeconfig_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubeconfigError, match="KUBECONFIG"):
        workbench.connect()


def test_open_snapshot_rejects_a_file_that_is_not_one(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wbsnap"
    bogus.write_text("not a zip")
    with pytest.raises(SnapshotError, match="not a Kube Workbench snapshot"):
        workbench.open_snapshot(bogus)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_saves_describes_and_serves_a_snapshot(incident: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    target = tmp_path / "cli.wbsnap"
    saved = _cli("snapshot", "save", str(target), "--kubeconfig", str(incident.kubeconfig))
    assert saved.returncode == 0, saved.stderr
    assert "Snapshot written" in saved.stdout
    info = _cli("snapshot", "info", str(target))
    assert info.returncode == 0, info.stderr
    assert "format 1" in info.stdout
    assert "pods " in info.stdout
    assert "values masked" in info.stdout

    kubeconfig = tmp_path / "served.kubeconfig"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "snapshot",
            "serve",
            str(target),
            "--kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "serving at" in line, line + (server.stderr.read() if server.stderr else "")
        pods = subprocess.run(
            [KUBECTL, f"--kubeconfig={kubeconfig}", "get", "pods", "-A", "-o", "name"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        with workbench.open_snapshot(target) as snap:
            live = {f"pod/{name}" for name in snap.frames().pods[Pods.NAME]}
        assert set(pods.stdout.split()) == live
        refused = subprocess.run(
            [KUBECTL, f"--kubeconfig={kubeconfig}", "delete", "namespace", "default"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode != 0
        assert "read-only" in refused.stderr
    finally:
        server.terminate()
        server.communicate(timeout=30)  # also closes the pipes


def test_cli_reports_a_bad_snapshot_without_a_traceback(tmp_path: Path) -> None:
    bogus = tmp_path / "x.wbsnap"
    bogus.write_bytes(b"PK\x03\x04 truncated")
    result = _cli("snapshot", "info", str(bogus))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "x.wbsnap" in result.stderr
