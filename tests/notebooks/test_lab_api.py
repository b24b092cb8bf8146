"""`workbench.labs`: the facade a lab notebook drives (start, hints, grading, the fix, KUBECONFIG).

These run real labs: the sandbox in this process at the labs' default speed, the real kubectl.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import KUBECTL
from workbench import labs
from workbench.errors import ConfigError, ScenarioError
from workbench.sandbox._scenarios import scenario_header

pytestmark = pytest.mark.kubectl


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with a known KUBECONFIG; monkeypatch puts the real one back afterwards."""
    monkeypatch.setenv("KUBECONFIG", "/nonexistent/previous.kubeconfig")
    monkeypatch.delenv("KUBECACHEDIR", raising=False)
    yield
    if labs._current is not None:  # a failed test must not leave its lab serving for the next
        labs._current.stop()


def test_the_hint_ladder_is_numbered_and_says_when_it_ends() -> None:
    hints = scenario_header("crashloop")["teaching"]["hints"]
    with labs.start("crashloop") as lab:
        given = [lab.hint() for _ in range(len(hints) + 2)]
    assert [str(h) for h in given[: len(hints)]] == [
        f"hint {n}/{len(hints)}: {text}" for n, text in enumerate(hints, start=1)
    ]
    assert given[1]._repr_markdown_() == f"**hint 2/{len(hints)}:** {hints[1]}"
    for end in given[len(hints) :]:
        assert end.number == 0
        assert (
            str(end) == f"No more hints: that was the last of {len(hints)}. `lab.solution()` shows the fix."
        )


def test_an_unknown_scenario_names_the_labs() -> None:
    with pytest.raises(ScenarioError, match=r"crashlop: no lab of that name; the labs are: .*crashloop"):
        labs.start("crashlop")
    # A plain cluster has nothing to teach, so it is not a lab.
    with pytest.raises(ScenarioError, match=r"healthy: no lab of that name"):
        labs.start("healthy")
    assert "healthy" not in labs.available()
    assert {"image-pull", "dns-down", "incident"} <= set(labs.available())
    assert os.environ["KUBECONFIG"] == "/nonexistent/previous.kubeconfig"


def test_without_kubectl_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        ConfigError, match=r"kubectl is not installed .*https://kubernetes.io/docs/tasks/tools"
    ):
        labs.start("image-pull")
    assert labs._current is None
    assert os.environ["KUBECONFIG"] == "/nonexistent/previous.kubeconfig"


@pytest.mark.parametrize("speed", [0, -3.0, True, "fast"])
def test_a_bad_speed_is_refused(speed: object) -> None:
    with pytest.raises(ConfigError, match="speed must be a positive number"):
        labs.start("image-pull", speed=speed)  # type: ignore[arg-type]  # wrong on purpose


def test_kubeconfig_points_at_the_lab_and_is_restored_on_stop() -> None:
    lab = labs.start("service-selector")
    kubeconfig = lab.kubeconfig
    assert os.environ["KUBECONFIG"] == str(kubeconfig)
    cache = Path(os.environ["KUBECACHEDIR"])
    assert cache.is_dir()
    assert f"<Lab service-selector (level 1) at {lab.url}; kubectl uses KUBECONFIG={kubeconfig}>" == repr(lab)
    # A plain kubectl, as a `!kubectl` cell runs it, reaches the lab through the environment alone.
    pods = subprocess.run(
        [KUBECTL, "get", "pods", "-n", "orders", "-o", "name"], capture_output=True, text=True, check=True
    )
    assert pods.stdout.count("pod/orders-api-") == 2
    assert any(cache.iterdir())  # kubectl's discovery cache went to the lab's own directory
    lab.stop()
    lab.stop()  # idempotent
    assert os.environ["KUBECONFIG"] == "/nonexistent/previous.kubeconfig"
    assert "KUBECACHEDIR" not in os.environ
    assert not kubeconfig.exists()
    assert not cache.exists()
    assert repr(lab) == "<Lab service-selector: stopped>"
    with pytest.raises(ConfigError, match=r"the lab service-selector is stopped; start it again"):
        lab.check()


def test_a_new_lab_replaces_the_running_one() -> None:
    first = labs.start("service-selector")
    second = labs.start("config-error")
    assert not first.running
    assert os.environ["KUBECONFIG"] == str(second.kubeconfig)
    second.stop()
    # Back to what it was before either lab, not to the first lab's deleted kubeconfig.
    assert os.environ["KUBECONFIG"] == "/nonexistent/previous.kubeconfig"


def test_stop_leaves_a_kubeconfig_someone_else_set_since() -> None:
    lab = labs.start("service-selector")
    os.environ["KUBECONFIG"] = "/elsewhere/mine.kubeconfig"
    lab.stop()
    assert os.environ["KUBECONFIG"] == "/elsewhere/mine.kubeconfig"


def test_a_failing_check_shows_each_check_and_nudges_toward_the_hints_then_the_solution() -> None:
    with labs.start("service-selector") as lab:
        first = lab.check(wait=0)
        assert not first.passed
        assert [(r.name, r.passed) for r in first.results] == [
            ("service_endpoints", False),
            ("deployment_available", True),
        ]
        markdown = first._repr_markdown_()
        assert markdown.startswith("**✗ not yet: 1 of 2 checks still failing**")
        assert "- ✗ `service_endpoints` orders/orders-api: " in markdown
        assert "- ✓ `deployment_available` orders/orders-api: " in markdown
        assert first.nudge() == "Still failing; try `lab.hint()` (4 left), then fix and check again."
        assert str(first).splitlines()[0] == "✗ not yet: 1 of 2 checks still failing"
        for _ in range(4):
            lab.hint()
        assert lab.check(wait=0).nudge() == (
            "Still failing, and the hints are used up: `lab.solution()` shows the documented fix."
        )
        with pytest.raises(ConfigError, match="wait is real seconds"):
            lab.check(wait=-1)


def test_apply_solution_heals_the_cluster_with_kubectl() -> None:
    with labs.start("image-pull") as lab:
        assert not lab.check(wait=0).passed
        solution = lab.solution()
        assert [c.line for c in solution.commands] == [
            "kubectl -n storefront set image deployment/catalog catalog=registry.shop.example/catalog:2.14.1"
        ]
        assert "```console\n$ kubectl -n storefront set image" in solution._repr_markdown_()
        # The fix goes to the lab's cluster even when KUBECONFIG points elsewhere by then.
        os.environ["KUBECONFIG"] = "/nonexistent/other.kubeconfig"
        applied = lab.apply_solution()
        assert applied.runs[0].output == "deployment.apps/catalog image updated\n"
        healed = lab.check()
        assert healed.passed, str(healed)
        assert healed.nudge() == ""
        assert healed._repr_markdown_().startswith("**✓ passed: image-pull is healed (3/3 checks pass)**")
        assert all(r.passed for r in healed.results)


def test_apply_solution_feeds_stdin_to_kubectl_apply() -> None:
    with labs.start("pvc-pending") as lab:
        (command,) = lab.solution().commands
        assert command.line == "kubectl apply -f -"
        assert command.stdin is not None
        assert "kind: StorageClass" in command.stdin
        assert "<<'EOF'\napiVersion: storage.k8s.io/v1" in str(command)
        lab.apply_solution()
        assert lab.check().passed


def test_a_fix_command_kubectl_refuses_names_the_command_and_kubectl_s_message() -> None:
    with labs.start("pending-taint") as lab:
        lab.apply_solution()
        # Run again, the taints are gone: kubectl refuses to remove what is not there.
        with pytest.raises(
            ScenarioError, match=r"(?s)pending-taint: fix command 1 failed \(1\): kubectl taint .*not found"
        ):
            lab.apply_solution()


def test_cluster_gives_fresh_frames_of_the_lab() -> None:
    with labs.start("image-pull") as lab:
        cluster = lab.cluster()
        pods = cluster.frames().pods
        assert set(pods[pods.namespace == "storefront"].status) == {"ImagePullBackOff"}
        assert lab.cluster() is not cluster
        assert lab.goal.startswith("**Goal (level 1):** Recognise ErrImagePull / ImagePullBackOff")
        assert "is running at `http://127.0.0.1:" in lab._repr_markdown_()


def test_the_labs_module_exports_only_its_face() -> None:
    assert sorted(labs.__all__) == ["Applied", "Hint", "Lab", "LabCheck", "Solution", "available", "start"]


def test_a_fix_that_only_looks_healed_for_a_moment_does_not_pass() -> None:
    # Fresh report-builder pods are Ready with no restarts for a few simulated seconds, until the
    # first one is OOMKilled again: the grader must not take that moment for a fix.
    with labs.start("oomkilled") as lab:
        subprocess.run(
            [KUBECTL, "-n", "analytics", "delete", "pods", "-l", "app=report-builder", "--wait=false"],
            capture_output=True,
            check=True,
        )
        report = lab.check()
        assert not report.passed, str(report)
        assert report.nudge().startswith("Still failing; try `lab.hint()`")
