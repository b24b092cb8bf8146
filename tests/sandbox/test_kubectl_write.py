"""kubectl compatibility, writing: the real /usr/bin/kubectl changing the healthy sandbox, asserting on
what it prints and on what the server then holds.

Each test works in a namespace of its own, or on a sandbox of its own when it changes the scenario's
shared objects (CoreDNS). The control plane runs in real time, as on a cluster: a new Deployment gets its
ReplicaSet and pods, which the simulated kubelet starts (nginx is in the image catalog), so rollouts
finish and waits are met.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench import sandbox as sandbox_pkg

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


def runner(sb: sandbox_pkg.Sandbox, cache: Path) -> Kubectl:
    """Like the shared `kubectl` fixture, for a sandbox a test starts itself."""

    def run(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [KUBECTL, f"--kubeconfig={sb.kubeconfig}", f"--cache-dir={cache}", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Kubectl]:
    """kubectl against a sandbox of the test's own (for tests that change CoreDNS)."""
    with sandbox_pkg.start(scenario="healthy") as sb:
        yield runner(sb, tmp_path / "kube-cache")


def docs(*objects: dict[str, Any]) -> str:
    """A multi-document YAML manifest, as a user would pipe to ``kubectl apply -f -``."""
    return yaml.safe_dump_all(objects)


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def deployment(
    name: str, ns: str, *, replicas: int = 2, image: str = "nginx:1.27", labels: dict[str, str] | None = None
) -> str:
    """A namespace and a one-container Deployment in it."""
    selector = {"app": name}
    container = {"name": name, "image": image, "ports": [{"containerPort": 80}]}
    return docs(
        namespace(ns),
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": {**selector, **(labels or {})}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": selector},
                "template": {"metadata": {"labels": selector}, "spec": {"containers": [container]}},
            },
        },
    )


def scheduled_pod(name: str, ns: str) -> str:
    """A namespace and a pod already bound to a node (so deleting it is graceful, as on a kubelet)."""
    container = {"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"]}
    return docs(
        namespace(ns),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"nodeName": "kind-worker", "containers": [container]},
        },
    )


def squashed(text: str) -> list[str]:
    """Lines with runs of whitespace collapsed, for describe's aligned ``Key:   value`` layout."""
    return [" ".join(line.split()) for line in text.splitlines()]


def jsonpath(kubectl: Kubectl, *target: str, path: str) -> str:
    return kubectl("get", *target, "-o", f"jsonpath={path}").stdout


# --- apply, diff, create ----------------------------------------------------------------------------


def test_apply_creates_then_leaves_unchanged_then_configures(kubectl: Kubectl) -> None:
    manifest = deployment("web", "apply-ns")
    assert kubectl("apply", "-f", "-", stdin=manifest).stdout.splitlines() == [
        "namespace/apply-ns created",
        "deployment.apps/web created",
    ]
    assert kubectl("apply", "-f", "-", stdin=manifest).stdout.splitlines() == [
        "namespace/apply-ns unchanged",
        "deployment.apps/web unchanged",
    ]
    changed = deployment("web", "apply-ns", replicas=3)
    assert kubectl("apply", "-f", "-", stdin=changed).stdout.splitlines() == [
        "namespace/apply-ns unchanged",
        "deployment.apps/web configured",
    ]
    live = json.loads(kubectl("get", "deploy", "web", "-n", "apply-ns", "-o", "json").stdout)
    assert (live["spec"]["replicas"], live["metadata"]["generation"]) == (3, 2)
    applied = json.loads(live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert applied["spec"]["replicas"] == 3
    # Three-way merge: a field dropped from the manifest (and present in last-applied) is removed.
    labelled = deployment("web", "apply-ns", replicas=3, labels={"extra": "yes"})
    kubectl("apply", "-f", "-", stdin=labelled)
    assert (
        jsonpath(kubectl, "deploy", "web", "-n", "apply-ns", path="{.metadata.labels}")
        == '{"app":"web","extra":"yes"}'
    )
    kubectl("apply", "-f", "-", stdin=changed)
    assert jsonpath(kubectl, "deploy", "web", "-n", "apply-ns", path="{.metadata.labels}") == '{"app":"web"}'
    kubectl("rollout", "status", "deploy/web", "-n", "apply-ns", "--timeout=60s")
    row = kubectl("get", "deploy", "web", "-n", "apply-ns").stdout.splitlines()[1].split()
    assert row[:4] == ["web", "3/3", "3", "3"]


def test_diff_exits_1_with_the_change_and_0_without(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "diff-ns"))
    changed = kubectl("diff", "-f", "-", stdin=deployment("web", "diff-ns", replicas=5), check=False)
    assert changed.returncode == 1, changed.stderr
    removed = [line for line in changed.stdout.splitlines() if line.startswith("-  ")]
    added = [line for line in changed.stdout.splitlines() if line.startswith("+  ")]
    assert "-  replicas: 2" in removed
    assert "+  replicas: 5" in added
    assert (removed[0], added[0]) == ("-  generation: 1", "+  generation: 2")
    same = kubectl("diff", "-f", "-", stdin=deployment("web", "diff-ns"), check=False)
    assert (same.returncode, same.stdout) == (0, "")
    assert jsonpath(kubectl, "deploy", "web", "-n", "diff-ns", path="{.spec.replicas}") == "2"


def test_apply_server_dry_run_changes_nothing(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "dry-ns"))
    version = jsonpath(kubectl, "deploy", "web", "-n", "dry-ns", path="{.metadata.resourceVersion}")
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=deployment("web", "dry-ns", replicas=9))
    assert out.stdout.splitlines() == [
        "namespace/dry-ns unchanged (server dry run)",
        "deployment.apps/web configured (server dry run)",
    ]
    after = json.loads(kubectl("get", "deploy", "web", "-n", "dry-ns", "-o", "json").stdout)
    assert (after["spec"]["replicas"], after["metadata"]["resourceVersion"]) == (2, version)
    new = kubectl("apply", "--dry-run=server", "-f", "-", stdin=deployment("api", "dry-ns"))
    assert "deployment.apps/api created (server dry run)" in new.stdout
    assert kubectl("get", "deploy", "api", "-n", "dry-ns", check=False).stderr.strip() == (
        'Error from server (NotFound): deployments.apps "api" not found'
    )


def test_create_from_a_file_then_already_exists(kubectl: Kubectl) -> None:
    manifest = docs(
        namespace("create-ns"),
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "create-ns"},
            "data": {"mode": "fast"},
        },
    )
    assert kubectl("create", "-f", "-", stdin=manifest).stdout.splitlines() == [
        "namespace/create-ns created",
        "configmap/settings created",
    ]
    again = kubectl("create", "-f", "-", stdin=manifest, check=False)
    assert again.returncode == 1
    assert (
        'Error from server (AlreadyExists): error when creating "STDIN": configmaps "settings" already exists'
        in (again.stderr)
    )
    assert jsonpath(kubectl, "cm", "settings", "-n", "create-ns", path="{.data.mode}") == "fast"
    # create does not record last-applied-configuration, so a later apply warns and adds it.
    applied = kubectl("apply", "-f", "-", stdin=manifest)
    assert "configmap/settings configured" in applied.stdout
    assert "missing the kubectl.kubernetes.io/last-applied-configuration annotation" in applied.stderr


def test_create_typed_objects_from_flags(kubectl: Kubectl) -> None:
    # These commands build typed objects and send them as protobuf rather than JSON.
    ns = ("-n", "typed-ns")
    assert kubectl("create", "namespace", "typed-ns").stdout.strip() == "namespace/typed-ns created"
    made = kubectl("create", "configmap", "c1", *ns, "--from-literal=mode=fast")
    assert made.stdout.strip() == "configmap/c1 created"
    made = kubectl("create", "deployment", "d1", *ns, "--image=nginx:1.27", "--replicas=2")
    assert made.stdout.strip() == "deployment.apps/d1 created"
    made = kubectl("create", "secret", "generic", "s1", *ns, "--from-literal=password=hunter2")
    assert made.stdout.strip() == "secret/s1 created"
    assert jsonpath(kubectl, "cm", "c1", *ns, path="{.data.mode}") == "fast"
    live = json.loads(kubectl("get", "deploy", "d1", *ns, "-o", "json").stdout)
    assert live["spec"]["replicas"] == 2
    assert live["spec"]["selector"] == {"matchLabels": {"app": "d1"}}
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert jsonpath(kubectl, "secret", "s1", *ns, path="{.data.password}") == "aHVudGVyMg=="
    assert "password: 7 bytes" in squashed(kubectl("describe", "secret", "s1", *ns).stdout)


def test_secret_string_data_is_merged_into_data(kubectl: Kubectl) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "string-data-ns"},
        "stringData": {"password": "hunter2"},
    }
    kubectl("apply", "-f", "-", stdin=docs(namespace("string-data-ns"), secret))
    stored = json.loads(kubectl("get", "secret", "creds", "-n", "string-data-ns", "-o", "json").stdout)
    assert (stored.get("data"), "stringData" in stored) == ({"password": "aHVudGVyMg=="}, False)


def test_unknown_fields_are_refused_under_strict_field_validation(kubectl: Kubectl) -> None:
    typo = deployment("typo", "strict-ns").replace("replicas: 2", "replica: 2")
    refused = kubectl("create", "-f", "-", stdin=typo, check=False)
    assert refused.returncode == 1
    assert (
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be '
        'handled as a Deployment: strict decoding error: unknown field "spec.replica"'
    ) in refused.stderr


# --- patch, set image, scale, label, annotate, cordon -----------------------------------------------------


def test_patch_in_all_three_types_and_server_dry_run(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "patch-ns"))
    target = ("deploy", "web", "-n", "patch-ns")
    strategic = kubectl("patch", *target, "-p", '{"spec":{"replicas":4}}')
    assert strategic.stdout.strip() == "deployment.apps/web patched"
    merge = kubectl("patch", *target, "--type", "merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}')
    assert merge.stdout.strip() == "deployment.apps/web patched"
    json_patch = '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"}]'
    assert (
        kubectl("patch", *target, "--type", "json", "-p", json_patch).stdout.strip()
        == "deployment.apps/web patched"
    )
    fields = "{.spec.replicas} {.metadata.labels.tier} {.spec.template.spec.containers[0].image}"
    assert jsonpath(kubectl, *target, path=fields) == "4 front nginx:1.28"
    # A strategic patch merges containers by name: the ports survive an image change.
    kubectl(
        "patch",
        *target,
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.29"}]}}}}',
    )
    ports = jsonpath(kubectl, *target, path="{.spec.template.spec.containers[0].ports[0].containerPort}")
    assert ports == "80"
    dry = kubectl("patch", *target, "-p", '{"spec":{"replicas":7}}', "--dry-run=server")
    assert dry.stdout.strip() == "deployment.apps/web patched"  # kubectl patch adds no "(server dry run)"
    assert jsonpath(kubectl, *target, path="{.spec.replicas}") == "4"
    unchanged = kubectl("patch", *target, "-p", '{"spec":{"replicas":4}}')
    assert unchanged.stdout.strip() == "deployment.apps/web patched (no change)"
    failed = kubectl(
        "patch",
        *target,
        "--type",
        "json",
        "-p",
        '[{"op":"test","path":"/spec/replicas","value":9}]',
        check=False,
    )
    assert (failed.returncode, failed.stderr.strip()) == (
        1,
        "The request is invalid: the server rejected our request due to an error in our request",
    )


def test_set_image_scale_label_and_annotate(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "set-ns"))
    target = ("deploy", "web", "-n", "set-ns")
    assert kubectl("set", "image", "deploy/web", "-n", "set-ns", "web=nginx:1.29").stdout.strip() == (
        "deployment.apps/web image updated"
    )
    assert kubectl("scale", *target, "--replicas=5").stdout.strip() == "deployment.apps/web scaled"
    assert jsonpath(kubectl, *target, path="{.spec.template.spec.containers[0].image} {.spec.replicas}") == (
        "nginx:1.29 5"
    )
    scale = json.loads(
        kubectl("get", "--raw", "/apis/apps/v1/namespaces/set-ns/deployments/web/scale").stdout
    )
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 5)
    assert kubectl("label", *target, "team=payments").stdout.strip() == "deployment.apps/web labeled"
    assert kubectl("annotate", *target, "owner=alice").stdout.strip() == "deployment.apps/web annotated"
    taken = kubectl("label", *target, "team=search", check=False)
    assert taken.stderr.strip() == "error: 'team' already has a value (payments), and --overwrite is false"
    kubectl("label", *target, "team=search", "--overwrite")
    assert (
        jsonpath(kubectl, *target, path="{.metadata.labels.team} {.metadata.annotations.owner}")
        == "search alice"
    )
    assert kubectl("label", *target, "team-").stdout.strip() == "deployment.apps/web unlabeled"
    assert kubectl("annotate", *target, "owner-").stdout.strip() == "deployment.apps/web annotated"
    meta = json.loads(kubectl("get", *target, "-o", "json").stdout)["metadata"]
    assert meta["labels"] == {"app": "web"}
    assert "owner" not in meta["annotations"]


def test_cordon_and_uncordon(kubectl: Kubectl) -> None:
    try:
        assert kubectl("cordon", "kind-worker2").stdout.strip() == "node/kind-worker2 cordoned"
        row = kubectl("get", "node", "kind-worker2").stdout.splitlines()[1].split()
        assert row[:3] == ["kind-worker2", "Ready,SchedulingDisabled", "<none>"]
        assert kubectl("cordon", "kind-worker2").stdout.strip() == "node/kind-worker2 already cordoned"
    finally:
        assert kubectl("uncordon", "kind-worker2").stdout.strip() == "node/kind-worker2 uncordoned"
    assert jsonpath(kubectl, "node", "kind-worker2", path="{.spec.unschedulable}") == ""
    assert kubectl("get", "node", "kind-worker2").stdout.splitlines()[1].split()[1] == "Ready"


# --- rollout ----------------------------------------------------------------------------------------


def test_rollout_restart_stamps_the_pod_template(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "restart-ns"))
    before = datetime.now(UTC).replace(microsecond=0)
    assert kubectl("rollout", "restart", "deploy/web", "-n", "restart-ns").stdout.strip() == (
        "deployment.apps/web restarted"
    )
    live = json.loads(kubectl("get", "deploy", "web", "-n", "restart-ns", "-o", "json").stdout)
    stamp = live["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert before <= datetime.fromisoformat(stamp) <= datetime.now(UTC)
    assert live["metadata"]["generation"] == 2
    done = kubectl("rollout", "status", "deploy/web", "-n", "restart-ns", "--timeout=60s")
    assert done.stdout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    # The restart made a second ReplicaSet (revision 2) and scaled the first one to zero.
    sets = kubectl("get", "rs", "-n", "restart-ns", "-o", "json").stdout
    by_revision = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs["spec"]["replicas"]
        for rs in json.loads(sets)["items"]
    }
    assert by_revision == {"1": 0, "2": 2}


def test_rollout_history_lists_the_coredns_revisions(kubectl: Kubectl) -> None:
    history = kubectl("rollout", "history", "deploy/coredns", "-n", "kube-system").stdout
    assert [line.split() for line in history.splitlines()[1:] if line.strip()] == [
        ["REVISION", "CHANGE-CAUSE"],
        ["1", "<none>"],
        ["2", "<none>"],
    ]
    first = kubectl("rollout", "history", "deploy/coredns", "-n", "kube-system", "--revision=1").stdout
    assert first.splitlines()[0] == "deployment.apps/coredns with revision #1"
    assert "pod-template-hash=668d6bf9bc" in first
    assert "restartedAt" not in first
    second = kubectl("rollout", "history", "deploy/coredns", "-n", "kube-system", "--revision=2").stdout
    assert "kubectl.kubernetes.io/restartedAt" in second


def test_rollout_status_of_an_untouched_deployment_succeeds_at_once(kubectl: Kubectl) -> None:
    done = kubectl("rollout", "status", "deploy/coredns", "-n", "kube-system", "--timeout=10s")
    assert done.stdout.strip() == 'deployment "coredns" successfully rolled out'


def test_rollout_undo_puts_back_the_previous_template(own: Kubectl) -> None:
    undo = ("rollout", "undo", "deploy/coredns", "-n", "kube-system")
    template = "{.spec.template.metadata.annotations}"
    assert own(*undo, "--to-revision=2").stdout.strip() == (
        "deployment.apps/coredns skipped rollback (current template already matches revision 2)"
    )
    assert own(*undo).stdout.strip() == "deployment.apps/coredns rolled back"
    live = json.loads(own("get", "deploy", "coredns", "-n", "kube-system", "-o", "json").stdout)
    assert "annotations" not in live["spec"]["template"]["metadata"]  # revision 1 had no restartedAt
    assert "pod-template-hash" not in live["spec"]["template"]["metadata"]["labels"]
    assert live["metadata"]["generation"] == 3
    assert own(*undo, "--to-revision=2").stdout.strip() == "deployment.apps/coredns rolled back"
    assert "restartedAt" in jsonpath(own, "deploy", "coredns", "-n", "kube-system", path=template)
    missing = own(*undo, "--to-revision=7", check=False)
    assert missing.stderr.strip() == "error: unable to find specified revision 7 in history"


# --- delete and wait --------------------------------------------------------------------------------


def test_delete_pod_is_graceful_then_gone(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=scheduled_pod("solo", "delete-ns"))
    kubectl("apply", "-f", "-", stdin=scheduled_pod("other", "delete-ns"))
    started = time.monotonic()
    assert kubectl("delete", "pod", "solo", "-n", "delete-ns").stdout.strip() == 'pod "solo" deleted'
    assert time.monotonic() - started >= 0.5  # kubectl waited for the grace period to run out
    gone = kubectl("get", "pod", "solo", "-n", "delete-ns", check=False)
    assert gone.stderr.strip() == 'Error from server (NotFound): pods "solo" not found'
    kubectl("delete", "pod", "other", "-n", "delete-ns", "--wait=false")
    terminating = kubectl("get", "pod", "other", "-n", "delete-ns").stdout.splitlines()[1].split()
    assert terminating[:3] == ["other", "0/1", "Terminating"]
    assert (
        jsonpath(kubectl, "pod", "other", "-n", "delete-ns", path="{.metadata.deletionGracePeriodSeconds}")
        == "30"
    )


def test_delete_deployment_collects_its_replica_sets_and_pods(own: Kubectl) -> None:
    selector = ("-n", "kube-system", "-l", "k8s-app=kube-dns")
    assert len(own("get", "rs,pods", *selector, "-o", "name").stdout.split()) == 4
    assert own("delete", "deployment", "coredns", "-n", "kube-system").stdout.strip() == (
        'deployment.apps "coredns" deleted'
    )
    deadline = time.monotonic() + 15
    while own("get", "rs,pods", *selector, "-o", "name").stdout.strip() and time.monotonic() < deadline:
        time.sleep(0.2)
    remaining = own("get", "rs,pods", *selector)
    assert (remaining.stdout, remaining.stderr.strip()) == (
        "",
        "No resources found in kube-system namespace.",
    )
    assert "kube-proxy" in own("get", "pods", "-n", "kube-system", "-o", "name").stdout  # others stay


def test_drain_cordons_and_evicts_all_but_daemon_set_pods(own: Kubectl) -> None:
    drained = own("drain", "kind-worker", "--ignore-daemonsets", "--timeout=20s")
    assert drained.stdout.splitlines() == [
        "node/kind-worker cordoned",
        "evicting pod kube-system/coredns-6f6b679f8f-4qv8n",
        "pod/coredns-6f6b679f8f-4qv8n evicted",
        "node/kind-worker drained",
    ]
    assert drained.stderr.strip() == (
        "Warning: ignoring DaemonSet-managed Pods: kube-system/kindnet-zkhxr, kube-system/kube-proxy-t5qh9"
    )
    left = own("get", "pods", "-A", "--field-selector", "spec.nodeName=kind-worker", "-o", "name").stdout
    assert left.split() == ["pod/kindnet-zkhxr", "pod/kube-proxy-t5qh9"]
    # No ReplicaSet controller: a real cluster would start a replacement CoreDNS pod elsewhere.
    assert own("get", "node", "kind-worker").stdout.splitlines()[1].split()[1] == "Ready,SchedulingDisabled"


def test_delete_namespace_with_its_contents(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "doomed-ns"))
    kubectl("apply", "-f", "-", stdin=scheduled_pod("solo", "doomed-ns"))
    assert kubectl("delete", "namespace", "doomed-ns").stdout.strip() == 'namespace "doomed-ns" deleted'
    gone = kubectl("get", "namespace", "doomed-ns", check=False)
    assert gone.stderr.strip() == 'Error from server (NotFound): namespaces "doomed-ns" not found'
    assert (
        kubectl("get", "all", "-n", "doomed-ns").stderr.strip()
        == "No resources found in doomed-ns namespace."
    )


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_the_system_namespaces_may_not_be_deleted(kubectl: Kubectl, name: str) -> None:
    for dry_run in ("--dry-run=none", "--dry-run=server"):
        refused = kubectl("delete", "namespace", name, dry_run, check=False)
        assert (refused.returncode, refused.stderr.strip()) == (
            1,
            f'Error from server (Forbidden): namespaces "{name}" is forbidden: '
            "this namespace may not be deleted",
        )
    assert kubectl("get", "namespace", name).stdout.splitlines()[1].split()[:2] == [name, "Active"]


def test_wait_for_a_condition(kubectl: Kubectl) -> None:
    met = kubectl("wait", "--for=condition=Ready", "pod", "-l", "k8s-app=kube-proxy", "-n", "kube-system")
    assert met.stdout.splitlines() == [
        "pod/kube-proxy-9jvtj condition met",
        "pod/kube-proxy-t5qh9 condition met",
        "pod/kube-proxy-xx69x condition met",
    ]
    phase = kubectl(
        "wait", "--for=jsonpath={.status.phase}=Running", "pod/etcd-kind-control-plane", "-n", "kube-system"
    )
    assert phase.stdout.strip() == "pod/etcd-kind-control-plane condition met"
    kubectl("apply", "-f", "-", stdin=deployment("web", "wait-ns"))
    available = kubectl("wait", "--for=condition=Available", "deploy/web", "-n", "wait-ns", "--timeout=60s")
    assert available.stdout.strip() == "deployment.apps/web condition met"
    # An image tag the registry lacks never becomes available: the wait runs out, as on a stuck cluster.
    kubectl("apply", "-f", "-", stdin=deployment("stuck", "wait-ns", image="nginx:1.99"))
    stuck = kubectl(
        "wait", "--for=condition=Available", "deploy/stuck", "-n", "wait-ns", "--timeout=2s", check=False
    )
    assert (stuck.returncode, stuck.stderr.strip()) == (
        1,
        "error: timed out waiting for the condition on deployments/stuck",
    )


def test_wait_for_delete_returns_when_the_pod_is_gone(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=scheduled_pod("solo", "wait-delete-ns"))
    prefix = list(kubectl("config", "current-context").args[:3])
    command = [*prefix, "wait", "--for=delete", "pod/solo", "-n", "wait-delete-ns", "--timeout=20s"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as waiter:
        time.sleep(0.5)
        assert waiter.poll() is None  # still waiting: the pod exists
        kubectl("delete", "pod", "solo", "-n", "wait-delete-ns", "--wait=false")
        out, err = waiter.communicate(timeout=20)
    assert (waiter.returncode, out.strip()) == (0, "pod/solo condition met"), err


# --- replace, edit ----------------------------------------------------------------------------------


def test_replace_with_a_stale_resource_version_conflicts(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "replace-ns"))
    snapshot = kubectl("get", "deploy", "web", "-n", "replace-ns", "-o", "yaml").stdout
    kubectl("label", "deploy", "web", "-n", "replace-ns", "bump=1")
    stale = tmp_path / "web.yaml"
    stale.write_text(snapshot)
    conflict = kubectl("replace", "-f", str(stale), check=False)
    assert conflict.returncode == 1
    assert conflict.stderr.strip() == (
        f'Error from server (Conflict): error when replacing "{stale}": Operation cannot be fulfilled on '
        'deployments.apps "web": the object has been modified; please apply your changes to the latest '
        "version and try again"
    )
    current = yaml.safe_load(kubectl("get", "deploy", "web", "-n", "replace-ns", "-o", "yaml").stdout)
    current["spec"]["replicas"] = 6
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text(yaml.safe_dump(current))
    assert kubectl("replace", "-f", str(fresh)).stdout.strip() == "deployment.apps/web replaced"
    assert jsonpath(kubectl, "deploy", "web", "-n", "replace-ns", path="{.spec.replicas}") == "6"


def test_edit_through_kube_editor(kubectl: Kubectl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubectl("apply", "-f", "-", stdin=deployment("web", "edit-ns"))
    editor = tmp_path / "editor.sh"
    editor.write_text(
        '#!/bin/sh\nsed -i -e "s/replicas: 2/replicas: 4/" -e "s/image: nginx:1.27/image: nginx:1.29/" "$1"\n'
    )
    editor.chmod(0o755)
    monkeypatch.setenv("KUBE_EDITOR", str(editor))
    assert kubectl("edit", "deploy", "web", "-n", "edit-ns").stdout.strip() == "deployment.apps/web edited"
    fields = "{.spec.replicas} {.spec.template.spec.containers[0].image}"
    assert jsonpath(kubectl, "deploy", "web", "-n", "edit-ns", path=fields) == "4 nginx:1.29"
    monkeypatch.setenv("KUBE_EDITOR", "true")
    assert (
        kubectl("edit", "deploy", "web", "-n", "edit-ns").stderr.strip() == "Edit cancelled, no changes made."
    )


# --- custom resources -------------------------------------------------------------------------------

WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              color: {type: string}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"""

GADGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


def test_custom_resource_with_printer_columns(kubectl: Kubectl) -> None:
    created = kubectl("apply", "-f", "-", stdin=WIDGET_CRD)
    assert (
        created.stdout.strip() == "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"
    )
    resources = kubectl("api-resources", "--api-group=example.com").stdout.splitlines()
    assert resources[1].split() == ["widgets", "wg", "example.com/v1", "true", "Widget"]
    widget = docs(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "blue", "namespace": "default"},
            "spec": {"size": 3, "color": "blue"},
        }
    )
    assert kubectl("apply", "-f", "-", stdin=widget).stdout.strip() == "widget.example.com/blue created"
    header, row = (line.split() for line in kubectl("get", "widgets").stdout.splitlines())
    assert header == ["NAME", "SIZE", "COLOR", "AGE"]
    assert row[:3] == ["blue", "3", "blue"]
    assert re.fullmatch(r"\ds", row[3])  # the Age column is a date, printed as an age
    kubectl("patch", "wg", "blue", "--type", "merge", "-p", '{"spec":{"size":4}}')
    assert kubectl("get", "wg", "blue").stdout.splitlines()[1].split()[:3] == ["blue", "4", "blue"]
    # Custom resources have no strategic-merge schema; the server refuses the patch type, as a real one does.
    refused = kubectl("patch", "wg", "blue", "-p", '{"spec":{"size":5}}', check=False)
    assert refused.stderr.strip() == (
        "error: application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget: "
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )
    described = " ".join(kubectl("describe", "widget", "blue").stdout.split())
    assert "Kind: Widget" in described
    assert "Spec: Color: blue Size: 4" in described


def test_custom_resource_without_printer_columns(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=GADGET_CRD)
    gadget = docs(
        {
            "apiVersion": "example.com/v1alpha1",
            "kind": "Gadget",
            "metadata": {"name": "g1"},
            "spec": {"anything": ["goes", "here"]},
        }
    )
    assert kubectl("create", "-f", "-", stdin=gadget).stdout.strip() == "gadget.example.com/g1 created"
    header, row = (line.split() for line in kubectl("get", "gadgets").stdout.splitlines())
    assert (header, row[0]) == (["NAME", "AGE"], "g1")
    stored = json.loads(kubectl("get", "gadget", "g1", "-o", "json").stdout)
    assert stored["spec"] == {"anything": ["goes", "here"]}
    assert "namespace" not in stored["metadata"]
    kubectl("delete", "crd", "gadgets.example.com")
    raw = kubectl("get", "--raw", "/apis/example.com/v1alpha1/gadgets", check=False)
    assert (
        raw.stderr.strip() == "Error from server (NotFound): the server could not find the requested resource"
    )
