"""kubectl equivalents of plan steps, run for real: each command goes through the real /usr/bin/kubectl
against a sandbox that holds the objects, with ``--dry-run=server -o json`` where kubectl takes it,
and the object the server answers with must show the change.

kubectl 1.32 prints the unchanged object for ``scale`` and ``rollout undo`` in a server dry run, has no
dry run for ``rollout restart``, and prints only a line for ``cordon``, ``uncordon``, ``drain`` and
``delete``: those are dry-run (accepted, nothing changed) and then, where the sandbox can finish them
without a running clock, run for real and the stored object checked.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import KUBECTL
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError
from workbench.model import Action, ObjectRef, Plan, PlanStep
from workbench.model._kubectl import kubectl_commands

pytestmark = pytest.mark.kubectl

WEB = ObjectRef("Deployment", "shop", "web", api_version="apps/v1")
AGENT = ObjectRef("DaemonSet", "shop", "agent", api_version="apps/v1")
DB = ObjectRef("StatefulSet", "shop", "db", api_version="apps/v1")
BACKUP = ObjectRef("CronJob", "shop", "backup", api_version="batch/v1")
HPA = ObjectRef("HorizontalPodAutoscaler", "shop", "web", api_version="autoscaling/v2")
SETTINGS = ObjectRef("ConfigMap", "shop", "settings", api_version="v1")
SERVICE = ObjectRef("Service", "shop", "web", api_version="v1")
COREDNS = ObjectRef("Deployment", "kube-system", "coredns", api_version="apps/v1")
CONTROL_PLANE = ObjectRef("Node", "", "kind-control-plane")
WORKER = ObjectRef("Node", "", "kind-worker")
HOSTILE = 'it\'s "quoted" $(rm -rf /) `id` ; echo \\ done\nnext line — ünïcode'


def _pod_template(name: str, image: str, **container: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": name, "image": image, **container}]},
    }


def _workload(kind: str, name: str, spec: dict[str, Any], api_version: str = "apps/v1") -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": "shop"},
        "spec": spec,
    }


MANIFEST = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    _workload(
        "Deployment",
        "web",
        {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": _pod_template(
                "web",
                "nginx:1.27",
                env=[{"name": "MODE", "value": "old"}],
                readinessProbe={"httpGet": {"path": "/old", "port": 80}, "periodSeconds": 7},
            ),
        },
    ),
    _workload(
        "DaemonSet",
        "agent",
        {"selector": {"matchLabels": {"app": "agent"}}, "template": _pod_template("agent", "busybox:1.36")},
    ),
    _workload(
        "StatefulSet",
        "db",
        {
            "serviceName": "db",
            "replicas": 1,
            "selector": {"matchLabels": {"app": "db"}},
            "template": _pod_template("db", "postgres:16"),
        },
    ),
    _workload(
        "CronJob",
        "backup",
        {
            "schedule": "0 * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "backup", "image": "busybox:1.36"}],
                        }
                    }
                }
            },
        },
        api_version="batch/v1",
    ),
    _workload(
        "HorizontalPodAutoscaler",
        "web",
        {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 3,
        },
        api_version="autoscaling/v2",
    ),
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop"},
        "data": {"LOG_LEVEL": "info", "other": "x"},
    },
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "shop"},
        "stringData": {"TOKEN": "s3cret"},
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web", "tier": "old"}, "ports": [{"port": 80}]},
    },
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox_pkg.Sandbox]:
    """The healthy scenario plus a shop namespace holding one object of every kind a step can target."""
    manifest = tmp_path_factory.mktemp("manifests") / "shop.yaml"
    manifest.write_text(yaml.safe_dump_all(MANIFEST))
    with sandbox_pkg.start(scenario="healthy", manual_clock=True, manifests=[manifest]) as sb:
        yield sb


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def run(cluster: sandbox_pkg.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Run one rendered command: split it as a shell would, point it at the sandbox, add ``extra`` flags."""
    cache = tmp_path_factory.mktemp("kube-cache")

    def go(command: str, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = shlex.split(command)
        assert argv[0] == "kubectl"
        args = argv[1:]
        # Flags after "--" would be names: the extra flags go before it.
        at = args.index("--") if "--" in args else len(args)
        args = [*args[:at], *extra, *args[at:]]
        cmd = [KUBECTL, f"--kubeconfig={cluster.kubeconfig}", f"--cache-dir={cache}", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stderr}")
        return result

    return go


def get(run: Run, ref: ObjectRef) -> dict[str, Any]:
    where = ["-n", ref.namespace] if ref.namespace else []
    out = run(f"kubectl {shlex.join([*where, 'get', ref.kind.lower(), ref.name, '-o', 'json'])}").stdout
    result: dict[str, Any] = json.loads(out)
    return result


def content(obj: dict[str, Any]) -> tuple[Any, ...]:
    """What a change would touch (the controllers may still update status and resourceVersion)."""
    meta = obj["metadata"]
    return obj.get("spec"), obj.get("data"), meta.get("labels"), meta.get("annotations")


def dry_run(run: Run, step: PlanStep) -> list[dict[str, Any]]:
    """Every command of the step through a server dry run; the objects the server answered with."""
    return [
        json.loads(run(command, "--dry-run=server", "-o", "json").stdout)
        for command in kubectl_commands(step)
    ]


def container(obj: dict[str, Any], name: str) -> dict[str, Any]:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    found: dict[str, Any] = next(c for c in spec["template"]["spec"]["containers"] if c["name"] == name)
    return found


def env_of(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return {entry["name"]: entry for entry in container(obj, name).get("env", [])}


@dataclass(frozen=True)
class Case:
    """A step whose commands take ``--dry-run=server -o json``, and what the answers must show."""

    id: str
    step: PlanStep
    check: Callable[[list[dict[str, Any]]], None]


def _check_image(objs: list[dict[str, Any]]) -> None:
    assert container(objs[-1], "web")["image"] == "nginx:1.28"


def _check_cronjob_image(objs: list[dict[str, Any]]) -> None:
    assert container(objs[-1], "backup")["image"] == "busybox:1.37"


def _check_resources(objs: list[dict[str, Any]]) -> None:
    assert container(objs[-1], "db")["resources"] == {
        "limits": {"cpu": "1", "memory": "512Mi"},
        "requests": {"memory": "256Mi"},
    }


def _check_env(objs: list[dict[str, Any]]) -> None:
    (obj,) = objs
    env = env_of(obj, "web")
    assert env["MODE"] == {"name": "MODE", "value": "new"}
    assert env["GREETING"] == {"name": "GREETING", "value": HOSTILE}


def _check_env_references(objs: list[dict[str, Any]]) -> None:
    # The literal in one `set env`, each same-named reference with `--from`, the renamed one in a patch.
    literal, log_level, token, renamed = (env_of(obj, "web") for obj in objs)
    assert literal["MODE"] == {"name": "MODE", "value": "new"}
    assert log_level["LOG_LEVEL"] == {
        "name": "LOG_LEVEL",
        "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "LOG_LEVEL"}},
    }
    assert token["TOKEN"] == {
        "name": "TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "creds", "key": "TOKEN"}},
    }
    assert renamed["OTHER_SETTING"] == {
        "name": "OTHER_SETTING",
        "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "other"}},
    }


def _check_env_replaced(objs: list[dict[str, Any]]) -> None:
    # MODE had a literal value; the patch must leave only the reference, not both.
    assert env_of(objs[-1], "web")["MODE"] == {
        "name": "MODE",
        "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "other"}},
    }


def _check_configmap(objs: list[dict[str, Any]]) -> None:
    assert objs[-1]["data"] == {"LOG_LEVEL": HOSTILE, "other": "x"}


def _check_selector(objs: list[dict[str, Any]]) -> None:
    assert objs[-1]["spec"]["selector"] == {"app": "web", "track": "stable"}  # "tier" is gone


def _check_probe(objs: list[dict[str, Any]]) -> None:
    probe = container(objs[-1], "web")["readinessProbe"]
    assert probe["tcpSocket"] == {"port": 8080}
    assert "httpGet" not in probe  # replaced, not merged with the old handler
    assert probe["periodSeconds"] == 3


def _check_daemonset_probe(objs: list[dict[str, Any]]) -> None:
    assert container(objs[-1], "agent")["livenessProbe"]["exec"] == {"command": ["true"]}


def _check_hpa(objs: list[dict[str, Any]]) -> None:
    assert (objs[-1]["spec"]["minReplicas"], objs[-1]["spec"]["maxReplicas"]) == (2, 6)


def _check_hpa_max(objs: list[dict[str, Any]]) -> None:
    assert (objs[-1]["spec"]["minReplicas"], objs[-1]["spec"]["maxReplicas"]) == (1, 9)


def _check_strategic(objs: list[dict[str, Any]]) -> None:
    assert objs[-1]["metadata"]["labels"] == {"team": "shop"}
    assert objs[-1]["spec"]["template"]["metadata"]["annotations"] == {"note": HOSTILE}


def _check_json_patch(objs: list[dict[str, Any]]) -> None:
    assert objs[-1]["metadata"]["labels"]["example.io/drained"] == "no"


def _check_merge_patch(objs: list[dict[str, Any]]) -> None:
    assert objs[-1]["data"] == {"LOG_LEVEL": "info"}  # null removes "other"


def _check_taint(objs: list[dict[str, Any]]) -> None:
    assert not objs[-1]["spec"].get("taints")


def _env(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"container": "web", "env": list(entries)}


CASES = [
    Case(
        "set-image",
        PlanStep(Action.SET_IMAGE, WEB, {"container": "web", "image": "nginx:1.28"}),
        _check_image,
    ),
    Case(
        "set-image-cronjob",
        PlanStep(Action.SET_IMAGE, BACKUP, {"container": "backup", "image": "busybox:1.37"}),
        _check_cronjob_image,
    ),
    Case(
        "set-resources",
        PlanStep(
            Action.SET_RESOURCES,
            DB,
            {"container": "db", "limits": {"memory": "512Mi", "cpu": 1}, "requests": {"memory": "256Mi"}},
        ),
        _check_resources,
    ),
    Case(
        "set-env",
        PlanStep(
            Action.SET_ENV,
            WEB,
            _env({"name": "MODE", "value": "new"}, {"name": "GREETING", "value": HOSTILE}),
        ),
        _check_env,
    ),
    Case(
        "set-env-references",
        PlanStep(
            Action.SET_ENV,
            WEB,
            _env(
                {"name": "MODE", "value": "new"},
                {
                    "name": "LOG_LEVEL",
                    "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "LOG_LEVEL"}},
                },
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "TOKEN"}}},
                {
                    "name": "OTHER_SETTING",
                    "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "other"}},
                },
            ),
        ),
        _check_env_references,
    ),
    Case(
        "set-env-literal-to-reference",
        PlanStep(
            Action.SET_ENV,
            WEB,
            _env({"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "other"}}}),
        ),
        _check_env_replaced,
    ),
    Case(
        "set-configmap-key",
        PlanStep(Action.SET_CONFIGMAP_KEY, SETTINGS, {"key": "LOG_LEVEL", "value": HOSTILE}),
        _check_configmap,
    ),
    Case(
        "set-service-selector",
        PlanStep(Action.SET_SERVICE_SELECTOR, SERVICE, {"selector": {"app": "web", "track": "stable"}}),
        _check_selector,
    ),
    Case(
        "set-probe",
        PlanStep(
            Action.SET_PROBE,
            WEB,
            {
                "container": "web",
                "probe": "readiness",
                "settings": {"tcpSocket": {"port": 8080}, "periodSeconds": 3},
            },
        ),
        _check_probe,
    ),
    Case(
        "set-probe-daemonset",
        PlanStep(
            Action.SET_PROBE,
            AGENT,
            {"container": "agent", "probe": "liveness", "settings": {"exec": {"command": ["true"]}}},
        ),
        _check_daemonset_probe,
    ),
    Case(
        "set-hpa-range",
        PlanStep(Action.SET_HPA_RANGE, HPA, {"min_replicas": 2, "max_replicas": 6}),
        _check_hpa,
    ),
    Case("set-hpa-max", PlanStep(Action.SET_HPA_RANGE, HPA, {"max_replicas": 9}), _check_hpa_max),
    Case(
        "patch-strategic",
        PlanStep(
            Action.PATCH,
            WEB,
            {
                "patch_type": "strategic",
                "patch": {
                    "metadata": {"labels": {"team": "shop"}},
                    "spec": {"template": {"metadata": {"annotations": {"note": HOSTILE}}}},
                },
            },
        ),
        _check_strategic,
    ),
    Case(
        "patch-json-node",
        PlanStep(
            Action.PATCH,
            WORKER,
            {
                "patch_type": "json",
                "patch": [{"op": "add", "path": "/metadata/labels/example.io~1drained", "value": "no"}],
            },
        ),
        _check_json_patch,
    ),
    Case(
        "patch-merge",
        PlanStep(Action.PATCH, SETTINGS, {"patch_type": "merge", "patch": {"data": {"other": None}}}),
        _check_merge_patch,
    ),
    Case(
        "remove-taint",
        PlanStep(Action.REMOVE_TAINT, CONTROL_PLANE, {"key": "node-role.kubernetes.io/control-plane"}),
        _check_taint,
    ),
    Case(
        "remove-taint-effect",
        PlanStep(
            Action.REMOVE_TAINT,
            CONTROL_PLANE,
            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
        ),
        _check_taint,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_dry_run_of_the_command_shows_the_change(run: Run, case: Case) -> None:
    before = content(get(run, case.step.target))
    case.check(dry_run(run, case.step))
    assert content(get(run, case.step.target)) == before  # a dry run changes nothing


def test_scale_is_accepted_in_a_dry_run_and_scales_for_real(run: Run) -> None:
    (command,) = kubectl_commands(PlanStep(Action.SCALE, DB, {"replicas": 3}))
    assert command == "kubectl -n shop scale statefulset/db --replicas=3"
    run(command, "--dry-run=server")
    assert get(run, DB)["spec"]["replicas"] == 1
    run(command)
    assert get(run, DB)["spec"]["replicas"] == 3


def test_rollout_undo_goes_back_to_the_revision(run: Run) -> None:
    (previous,) = kubectl_commands(PlanStep(Action.ROLLOUT_UNDO, COREDNS))
    assert previous == "kubectl -n kube-system rollout undo deployment/coredns"
    assert "rolled back (server dry run)" in run(previous, "--dry-run=server").stdout
    (command,) = kubectl_commands(PlanStep(Action.ROLLOUT_UNDO, COREDNS, {"to_revision": 1}))
    assert command == "kubectl -n kube-system rollout undo deployment/coredns --to-revision=1"
    assert "rolled back (server dry run)" in run(command, "--dry-run=server").stdout
    # Revision 2 differs from revision 1 only by the restartedAt annotation on its pod template.
    assert "annotations" in get(run, COREDNS)["spec"]["template"]["metadata"]
    run(command)
    assert "annotations" not in get(run, COREDNS)["spec"]["template"]["metadata"]


@pytest.mark.parametrize("target", [WEB, AGENT, DB], ids=lambda ref: ref.kind)
def test_rollout_restart_stamps_the_pod_template(run: Run, target: ObjectRef) -> None:
    # kubectl 1.32's rollout restart has no --dry-run: it runs for real against the test sandbox.
    (command,) = kubectl_commands(PlanStep(Action.ROLLOUT_RESTART, target))
    assert command == f"kubectl -n shop rollout restart {target.kind.lower()}/{target.name}"
    run(command)
    annotations = get(run, target)["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in annotations


def kube_proxy_pod(run: Run, index: int) -> ObjectRef:
    pods = json.loads(run("kubectl -n kube-system get pods -l k8s-app=kube-proxy -o json").stdout)["items"]
    return ObjectRef("Pod", "kube-system", sorted(p["metadata"]["name"] for p in pods)[index])


def test_delete_pod_is_accepted_by_a_server_dry_run(run: Run) -> None:
    # A real delete waits for the pod's grace period, which needs the sandbox's clock to run.
    ref = kube_proxy_pod(run, 0)
    (command,) = kubectl_commands(PlanStep(Action.DELETE_POD, ref))
    assert command == f"kubectl -n kube-system delete pod {ref.name}"
    assert run(command, "--dry-run=server", "-o", "name").stdout.strip() == f"pod/{ref.name}"


def test_a_server_dry_run_of_delete_pod_leaves_the_pod(run: Run) -> None:
    ref = kube_proxy_pod(run, 1)
    (command,) = kubectl_commands(PlanStep(Action.DELETE_POD, ref))
    run(command, "--dry-run=server")
    assert "deletionTimestamp" not in get(run, ref)["metadata"]


def test_cordon_and_uncordon(run: Run) -> None:
    (cordon,) = kubectl_commands(PlanStep(Action.CORDON, WORKER))
    (uncordon,) = kubectl_commands(PlanStep(Action.UNCORDON, WORKER))
    assert (cordon, uncordon) == ("kubectl cordon kind-worker", "kubectl uncordon kind-worker")
    assert run(cordon, "--dry-run=server").stdout.strip() == "node/kind-worker cordoned (server dry run)"
    assert not get(run, WORKER)["spec"].get("unschedulable")
    run(cordon)
    assert get(run, WORKER)["spec"]["unschedulable"] is True
    assert "uncordoned (server dry run)" in run(uncordon, "--dry-run=server").stdout
    run(uncordon)
    assert not get(run, WORKER)["spec"].get("unschedulable")


def test_drain_evicts_all_but_daemonset_pods_in_a_server_dry_run(run: Run) -> None:
    # A real drain waits for evicted pods to go, which needs the sandbox's clock to run: dry run only.
    step = PlanStep(
        Action.DRAIN, ObjectRef("Node", "", "kind-worker"), {"grace_seconds": 30, "timeout_seconds": 60}
    )
    (command,) = kubectl_commands(step)
    assert command == (
        "kubectl drain kind-worker --ignore-daemonsets --delete-emptydir-data --grace-period=30 --timeout=60s"
    )
    listed = json.loads(run("kubectl get pods -A --field-selector spec.nodeName=kind-worker -o json").stdout)
    evicted = {
        f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        for pod in listed["items"]
        if pod["metadata"].get("ownerReferences", [{}])[0].get("kind") != "DaemonSet"
    }
    assert evicted, "the worker should run a pod that drain evicts"
    result = run(command, "--dry-run=server")
    assert {line for line in result.stdout.splitlines() if line.startswith("evicting")} == {
        f"evicting pod {name} (server dry run)" for name in evicted
    }
    assert "node/kind-worker drained (server dry run)" in result.stdout
    still = json.loads(run("kubectl get pods -A --field-selector spec.nodeName=kind-worker -o json").stdout)
    assert evicted <= {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in still["items"]}
    assert not any("deletionTimestamp" in p["metadata"] for p in still["items"])
    assert "ignoring DaemonSet-managed Pods" in result.stderr
    assert not get(run, WORKER)["spec"].get("unschedulable")


def test_every_action_is_run_against_the_sandbox() -> None:
    elsewhere = {Action.SCALE, Action.ROLLOUT_UNDO, Action.ROLLOUT_RESTART, Action.DELETE_POD}
    elsewhere |= {Action.CORDON, Action.UNCORDON, Action.DRAIN}
    elsewhere |= {Action.ALLOW_INGRESS, Action.CREATE_STORAGE_CLASS, Action.DELETE_CREATED}
    # Three shell lines, pasted into bash against a failed Job: tests/remediation/test_recreate_job.py.
    elsewhere |= {Action.RECREATE_JOB}
    assert {case.step.action for case in CASES} | elsewhere == set(Action)


def test_a_hostile_value_is_one_argument() -> None:
    (command,) = kubectl_commands(PlanStep(Action.SET_ENV, WEB, _env({"name": "GREETING", "value": HOSTILE})))
    assert shlex.split(command) == [
        "kubectl", "-n", "shop", "set", "env", "deployment/web", f"GREETING={HOSTILE}", "-c", "web"
    ]  # fmt: skip
    (patch,) = kubectl_commands(PlanStep(Action.SET_CONFIGMAP_KEY, SETTINGS, {"key": "k", "value": HOSTILE}))
    assert json.loads(shlex.split(patch)[-1]) == {"data": {"k": HOSTILE}}


def test_the_context_is_named(run: Run) -> None:
    (command,) = kubectl_commands(PlanStep(Action.SCALE, DB, {"replicas": 3}), context="workbench-sandbox")
    assert command.startswith("kubectl --context workbench-sandbox -n shop scale ")
    run(command, "--dry-run=server")  # the sandbox's kubeconfig has that context
    assert run(command.replace("workbench-sandbox", "no-such"), check=False).returncode != 0


def test_a_name_that_looks_like_a_flag_stays_a_name(run: Run) -> None:
    (command,) = kubectl_commands(PlanStep(Action.DELETE_POD, ObjectRef("Pod", "kube-system", "--all")))
    assert command == "kubectl -n kube-system delete pod -- --all"
    result = run(command, "--dry-run=server", check=False)
    assert result.returncode != 0
    assert 'pods "--all" not found' in result.stderr  # not "delete every pod"
    (taint,) = kubectl_commands(PlanStep(Action.REMOVE_TAINT, ObjectRef("Node", "", "-n"), {"key": "a"}))
    assert shlex.split(taint) == ["kubectl", "taint", "nodes", "--", "-n", "a-"]


@pytest.mark.parametrize(
    "params",
    [{"container": "Web_1", "image": "nginx:1.28"}, {"container": "web", "image": "nginx=1.28"}],
    ids=["container-not-a-dns-label", "image-with-equals"],
)
def test_set_image_falls_back_to_a_patch_when_kubectl_would_misread_it(params: dict[str, str]) -> None:
    (command,) = kubectl_commands(PlanStep(Action.SET_IMAGE, BACKUP, params))
    argv = shlex.split(command)
    assert argv[:-1] == ["kubectl", "-n", "shop", "patch", "cronjob/backup", "--type", "strategic", "-p"]
    pod_spec = {"containers": [{"name": params["container"], "image": params["image"]}]}
    assert json.loads(argv[-1]) == {"spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec}}}}}


def test_plan_kubectl_lists_every_steps_commands_in_order() -> None:
    plan = Plan(
        "Fix web",
        (
            PlanStep(Action.SET_IMAGE, WEB, {"container": "web", "image": "nginx:1.28"}),
            PlanStep(Action.SCALE, WEB, {"replicas": 3}),
        ),
    )
    assert plan.kubectl(context="prod") == [
        "kubectl --context prod -n shop set image deployment/web web=nginx:1.28",
        "kubectl --context prod -n shop scale deployment/web --replicas=3",
    ]


def test_bad_input_names_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"needs a PlanStep, not Plan \(for a plan: Plan.kubectl\(\)\)"):
        kubectl_commands(Plan("p", (PlanStep(Action.CORDON, WORKER),)))  # type: ignore[arg-type]  # the error path


def test_a_command_splits_back_into_exactly_its_arguments() -> None:
    # A reader may paste one into a shell.
    step = PlanStep(Action.SET_CONFIGMAP_KEY, SETTINGS, {"key": "a b", "value": "x'y"})
    (command,) = kubectl_commands(step, context="ctx with space")
    assert shlex.split(command) == [
        "kubectl", "--context", "ctx with space", "-n", "shop", "patch", "configmap/settings",
        "--type", "merge", "-p", '{"data":{"a b":"x\'y"}}',
    ]  # fmt: skip


def pasted(cluster: sandbox_pkg.Sandbox, home: Path, command: str) -> subprocess.CompletedProcess[str]:
    """``command`` pasted into bash, as a person would (kubectl from PATH, the sandbox's kubeconfig)."""
    env = {
        "PATH": f"{Path(KUBECTL).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "KUBECONFIG": str(cluster.kubeconfig),
    }
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def test_a_created_object_is_made_by_pasting_its_heredoc_into_a_shell(
    cluster: sandbox_pkg.Sandbox, run: Run, tmp_path: Path
) -> None:
    canary = tmp_path / "ran"
    hostile = f"EOF\n$(touch {canary}) `touch {canary}` 'q' \"d\" \\ ü\nEOF"
    step = PlanStep(
        Action.CREATE_STORAGE_CLASS,
        ObjectRef("StorageClass", "", "pasted"),
        {"provisioner": "rancher.io/local-path", "parameters": {"note": hostile}, "reclaim_policy": "Retain"},
    )
    (command,) = kubectl_commands(step)
    result = pasted(cluster, tmp_path, command)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "storageclass.storage.k8s.io/pasted created"
    made = get(run, step.target)
    assert (made["provisioner"], made["parameters"], made["reclaimPolicy"]) == (
        "rancher.io/local-path",
        {"note": hostile},
        "Retain",
    )
    assert not canary.exists()  # nothing in the manifest was run by the shell
    again = pasted(cluster, tmp_path, command)
    assert again.returncode != 0
    assert "already exists" in again.stderr


def test_allow_ingress_pasted_makes_the_policy_and_delete_created_removes_it(
    cluster: sandbox_pkg.Sandbox, run: Run, tmp_path: Path
) -> None:
    policy = ObjectRef("NetworkPolicy", "shop", "allow-web-to-db")
    params = {
        "pod_selector": {"app": "db"},
        "from_selector": {"app": "web"},
        "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": "metrics"}],
    }
    (command,) = kubectl_commands(PlanStep(Action.ALLOW_INGRESS, policy, params), context="workbench-sandbox")
    result = pasted(cluster, tmp_path, command)
    assert result.returncode == 0, result.stderr
    assert get(run, policy)["spec"] == {
        "podSelector": {"matchLabels": {"app": "db"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": "metrics"}],
            }
        ],
    }
    uid = get(run, policy)["metadata"]["uid"]
    undo = PlanStep(Action.DELETE_CREATED, policy, {"uid": uid, "created_by": "sha256:" + "0" * 64})
    (delete,) = kubectl_commands(undo)
    assert delete == "kubectl -n shop delete networkpolicy allow-web-to-db"
    run(delete)
    assert run("kubectl -n shop get networkpolicy allow-web-to-db", check=False).returncode != 0
