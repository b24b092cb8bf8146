"""``binder/``: what mybinder.org builds and runs. ``binder/start`` is run as Binder runs it, with a
command in place of JupyterLab: the sandbox must be up (KUBECONFIG set, kubectl sees the incident),
and a lab notebook must run to a passing check in that environment.

``postBuild`` downloads kubectl, which this machine cannot reach; it is checked for what it does,
not run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.notebooks.run import ROOT

pytestmark = pytest.mark.kubectl

BINDER = ROOT / "binder"
PROBE = """
import json, os, subprocess, sys
from pathlib import Path
from tests.notebooks.run import LABS, execute, shown, tagged

pods = subprocess.run(["kubectl", "get", "pods", "-n", "data"], capture_output=True, text=True, check=False)
nb = execute(LABS / "01-image-pull.ipynb", parameters="SOLVE = True")
(check,) = tagged(nb, "check")
print(json.dumps({
    "kubeconfig": os.environ.get("KUBECONFIG", ""),
    "pods": pods.stdout + pods.stderr,
    "check": shown(check, "text/markdown"),
}))
"""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_brings_up_the_sandbox_and_a_lab_runs_in_it(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        TMPDIR=str(tmp_path),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        KUBECACHEDIR=str(tmp_path / "kube-cache"),
    )
    env.pop("KUBECONFIG", None)
    # Its own process group, so the sandbox it leaves running in the background can be stopped after.
    process = subprocess.Popen(
        [str(BINDER / "start"), sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=600)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the sandbox stops on SIGTERM
    assert process.returncode == 0, err
    banner, report = out.strip().splitlines()[0], json.loads(out.strip().splitlines()[-1])
    assert re.fullmatch(
        r"binder/start: Sandbox cluster 'incident' is serving at http://127\.0\.0\.1:\d+; .*", banner
    )
    assert report["kubeconfig"].startswith(str(tmp_path))
    assert re.search(r"postgres-0\s+0/1\s+CreateContainerConfigError", report["pods"]), report["pods"]
    assert "✓ passed: image-pull is healed" in report["check"]
    deadline = time.monotonic() + 30
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(process.pid)


def test_start_fails_clearly_when_the_sandbox_cannot_start(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path), WORKBENCH_SCENARIO="no-such-scenario")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [str(BINDER / "start"), "true"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "binder/start: the sandbox did not start:" in done.stderr
    assert "no-such-scenario" in done.stderr


def test_the_environment_and_post_build_install_the_package_and_kubectl() -> None:
    environment = yaml.safe_load((BINDER / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]  # pyproject's requires-python is >=3.11
    post_build = (BINDER / "postBuild").read_text()
    assert "python -m pip install --no-cache-dir ." in post_build
    assert "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl" in post_build
    assert "sha256sum --check" in post_build
    for script in ("postBuild", "start"):
        assert os.access(BINDER / script, os.X_OK)
        assert subprocess.run(["bash", "-n", str(BINDER / script)], check=False).returncode == 0
    assert (BINDER / "start").read_text().rstrip().endswith('exec "$@"')
