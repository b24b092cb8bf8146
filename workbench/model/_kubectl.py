"""The ``kubectl`` command(s) a person would run for the same change as a plan step.

They are shown beside a plan (as comments in its cell, in views) so that a reader who knows kubectl
can check what a step does; nothing runs them, least of all through a shell. Each command is one
string whose arguments are quoted with `shlex.quote`, so a value with spaces, quotes or ``$(...)``
stays one argument when the string is split with `shlex.split`.

The idiomatic command is used when it says exactly what the step does (``set image``, ``scale``,
``rollout undo``, ``drain``...); otherwise the step is written as ``kubectl patch`` with the patch that
has the same effect. A step that creates an object is ``kubectl create -f -`` with the manifest in a
quoted shell heredoc (``<<'EOF'``: the shell expands nothing in it, and the delimiter is chosen so no
line of the manifest can end it early); that command is several lines, the others one.

Recreating a Job is three commands, because the new Job is the old one as the cluster has it: save it
to a file (``get -o json >``), delete it, then create it from the file through ``kubectl patch
--local`` (which changes the file's object, never the cluster) with a strategic merge patch that sets
the env entries and drops what the server generated (uid, resourceVersion, status, ``spec.selector``
and the controller-uid/job-name template labels, so it makes new ones). These are shell lines with a
redirect and a pipe, still of quoted arguments; the file name is made from the Job's name.

Example:
    >>> from workbench.model import Action, ObjectRef, PlanStep
    >>> step = PlanStep(Action.SCALE, ObjectRef("Deployment", "shop", "web"), {"replicas": 3})
    >>> kubectl_commands(step, context="kind-shop")
    ['kubectl --context kind-shop -n shop scale deployment/web --replicas=3']
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from workbench.errors import ConfigError
from workbench.model._manifests import CREATES, JOB_GENERATED_LABELS, SERVER_METADATA, manifest
from workbench.model._plans import Action, PlanStep

_RESOURCE = {
    "Deployment": "deployment",
    "StatefulSet": "statefulset",
    "DaemonSet": "daemonset",
    "ReplicaSet": "replicaset",
    "CronJob": "cronjob",
    "Job": "job",
    "Service": "service",
    "ConfigMap": "configmap",
    "HorizontalPodAutoscaler": "hpa",
    "Ingress": "ingress",
    "Node": "node",
    "Pod": "pod",
    "NetworkPolicy": "networkpolicy",
    "StorageClass": "storageclass",
}
_HEREDOC = "EOF"
"""The heredoc delimiter of a created object's manifest (lengthened if a line of it reads the same)."""
# A container name kubectl takes literally: `set image` splits on "=" and `-c` is a glob, so anything
# that is not a plain DNS label (which every valid container name is) goes through a patch instead.
_CONTAINER = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# What `kubectl set env NAME=VALUE` accepts as NAME (apimachinery's IsEnvVarName), minus a leading "-",
# which would read as a flag.
_ENV_NAME = re.compile(r"[._a-zA-Z][-._a-zA-Z0-9]*")
# `set env --from` names each variable after its key, upper-cased with other characters made "_";
# only a key already in that form gives a variable of the same name.
_FROM_KEY = re.compile(r"[A-Z0-9_]+")

Command = tuple[list[str], list[str], list[str]]
"""A command as (subcommand words, positional arguments, flags)."""


def kubectl_commands(step: PlanStep, *, context: str | None = None) -> list[str]:
    """The kubectl command(s) that make the same change as ``step``, one string each.

    Args:
        step: the plan step.
        context: the kubeconfig context to name with ``--context`` (none when None or empty).

    Returns:
        One or more commands, each a string of `shlex.quote`-quoted arguments starting with
        ``kubectl``; a step that needs more than one (an env list that mixes literal values with
        references kubectl cannot express) gives them in order. A creating step's command is
        ``kubectl create -f - <<'EOF'``, then the manifest's YAML, then the delimiter, on lines of
        their own; a recreated Job's are three shell lines (see the module docstring).

    Raises:
        ConfigError: ``step`` is not a `PlanStep`.

    Example:
        >>> from workbench.model import Action, ObjectRef, PlanStep
        >>> node = ObjectRef("Node", "", "kind-worker")
        >>> kubectl_commands(PlanStep(Action.DRAIN, node, {"grace_seconds": 30}))
        ['kubectl drain kind-worker --ignore-daemonsets --delete-emptydir-data --grace-period=30']
    """
    if not isinstance(step, PlanStep):
        raise ConfigError(
            f"kubectl_commands needs a PlanStep, not {type(step).__name__} (for a plan: Plan.kubectl())"
        )
    head = ["kubectl"]
    if context:
        head += ["--context", context]
    if step.target.kind != "Node" and step.target.namespace:
        head += ["-n", step.target.namespace]
    if step.action in CREATES:
        return [_create(head, manifest(step))]
    if step.action is Action.RECREATE_JOB:
        return _recreate_job(head, step)
    return [shlex.join(head + _argv(command)) for command in _BUILDERS[step.action](step)]


def _recreate_job(head: list[str], step: PlanStep) -> list[str]:
    """Save the Job to a file, delete it, create it from the file with the env set (module docstring)."""
    name = step.target.name
    saved = "job-" + re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".json"
    container = {"name": step.params["container"], "env": [_replacing(e) for e in step.params["env"]]}
    patch = {
        "metadata": dict.fromkeys(SERVER_METADATA),
        "spec": {
            "selector": None,
            "manualSelector": None,
            "template": {
                "metadata": {"labels": dict.fromkeys(JOB_GENERATED_LABELS)},
                "spec": {"containers": [container]},
            },
        },
        "status": None,
    }
    body = json.dumps(patch, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    local = ["kubectl", "patch", "--local", "-f", saved, "--type", "strategic", "-p", body, "-o", "json"]
    return [
        f"{shlex.join(head + _argv((['get', 'job'], [name], ['-o', 'json'])))} > {shlex.quote(saved)}",
        shlex.join(head + _argv((["delete", "job"], [name], []))),
        f"{shlex.join(local)} | {shlex.join([*head, 'create', '-f', '-'])}",
    ]


def _create(head: list[str], obj: dict[str, Any]) -> str:
    """``kubectl create -f -`` reading ``obj`` from a quoted heredoc (a paste runs it as it reads)."""
    # ASCII only: every other character is escaped in the YAML, so nothing invisible is pasted.
    body = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, allow_unicode=False, width=10**6)
    lines = body.removesuffix("\n").split("\n")  # as the shell splits lines: at "\n" only
    delimiter = _HEREDOC
    while delimiter in lines:
        delimiter += "_"
    return "\n".join([f"{shlex.join([*head, 'create', '-f', '-'])} <<'{delimiter}'", *lines, delimiter])


def lines_of(command: str) -> list[str]:
    """A command as the lines a person reads: a created object's heredoc is its first line, each line of
    the manifest, and the delimiter; any other command is one line, even with a quoted newline in it."""
    delimiter = command.rsplit("\n", 1)[-1]
    opener = f" <<'{delimiter}'\n"
    if "\n" not in command or opener not in command:
        return [command]
    head, _, body = command.rpartition(opener)
    return [head + opener.rstrip("\n"), *body.split("\n")]


def _argv(command: Command) -> list[str]:
    words, positional, flags = command
    if any(arg.startswith("-") for arg in positional):
        # A name that starts with "-" would be read as a flag; after "--" it is only a name.
        return [*words, *flags, "--", *positional]
    return [*words, *positional, *flags]


def _resource(step: PlanStep) -> str:
    return f"{_RESOURCE[step.target.kind]}/{step.target.name}"


def _patch(step: PlanStep, patch_type: str, patch: Any) -> Command:
    body = json.dumps(patch, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return ["patch"], [_resource(step)], ["--type", patch_type, "-p", body]


def _in_container(step: PlanStep, container: Mapping[str, Any]) -> dict[str, Any]:
    """A strategic-merge patch that changes one container (merged by name) of the pod template."""
    patch: dict[str, Any] = {"spec": {"template": {"spec": {"containers": [dict(container)]}}}}
    if step.target.kind == "CronJob":
        patch = {"spec": {"jobTemplate": patch}}
    return patch


def _set_image(step: PlanStep) -> list[Command]:
    container, image = step.params["container"], step.params["image"]
    if _CONTAINER.fullmatch(container) and "=" not in image:
        return [(["set", "image"], [_resource(step), f"{container}={image}"], [])]
    return [_patch(step, "strategic", _in_container(step, {"name": container, "image": image}))]


def _quantities(values: Mapping[str, Any]) -> str:
    return ",".join(f"{name}={_number(values[name])}" for name in sorted(values))


def _number(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _set_resources(step: PlanStep) -> list[Command]:
    container = step.params["container"]
    sections = {key: step.params.get(key) or {} for key in ("limits", "requests")}
    if not _CONTAINER.fullmatch(container):
        resources = {key: dict(values) for key, values in sections.items() if values}
        return [_patch(step, "strategic", _in_container(step, {"name": container, "resources": resources}))]
    flags = ["-c", container]
    flags += [f"--{key}={_quantities(values)}" for key, values in sections.items() if values]
    return [(["set", "resources"], [_resource(step)], flags)]


def _from_ref(entry: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(configmap|secret, object name, key) when `set env --from` makes exactly this entry."""
    ((source, ref),) = entry["valueFrom"].items()
    kind = {"configMapKeyRef": "configmap", "secretKeyRef": "secret"}[source]
    exact = (
        set(ref) == {"name", "key"}
        and ref["key"] == entry["name"]
        and _FROM_KEY.fullmatch(ref["key"]) is not None
        and "/" not in ref["name"]
    )
    return (kind, ref["name"], ref["key"]) if exact else None


def _replacing(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An env entry for a strategic-merge patch that replaces the whole variable, as `set env` does.

    The env list merges by name, so without the explicit null a variable that had ``value`` and
    now gets ``valueFrom`` (or the reverse) would end up with both, which the server refuses.
    """
    if "value" in entry:
        return {"name": entry["name"], "value": entry["value"], "valueFrom": None}
    return {"name": entry["name"], "value": None, "valueFrom": {"$patch": "replace", **entry["valueFrom"]}}


def _set_env(step: PlanStep) -> list[Command]:
    container, env = step.params["container"], step.params["env"]
    if not _CONTAINER.fullmatch(container):
        patched = {"name": container, "env": [_replacing(entry) for entry in env]}
        return [_patch(step, "strategic", _in_container(step, patched))]
    literals: list[str] = []
    references: list[Command] = []
    rest: list[dict[str, Any]] = []
    for entry in env:
        if "value" in entry and _ENV_NAME.fullmatch(entry["name"]):
            literals.append(f"{entry['name']}={entry['value']}")
        elif "valueFrom" in entry and (ref := _from_ref(entry)):
            kind, name, key = ref
            flags = ["-c", container, f"--from={kind}/{name}", f"--keys={key}"]
            references.append((["set", "env"], [_resource(step)], flags))
        else:
            rest.append(_replacing(entry))
    commands: list[Command] = []
    if literals:
        commands.append((["set", "env"], [_resource(step), *literals], ["-c", container]))
    commands += references
    if rest:
        commands.append(_patch(step, "strategic", _in_container(step, {"name": container, "env": rest})))
    return commands


def _set_probe(step: PlanStep) -> list[Command]:
    # `$patch: replace` makes the probe exactly `settings`: merged field by field, an httpGet probe
    # changed to tcpSocket would keep both handlers and the server would refuse it.
    probe = {"$patch": "replace", **step.params["settings"]}
    container = {"name": step.params["container"], f"{step.params['probe']}Probe": probe}
    return [_patch(step, "strategic", _in_container(step, container))]


def _set_hpa_range(step: PlanStep) -> list[Command]:
    names = {"min_replicas": "minReplicas", "max_replicas": "maxReplicas"}
    spec = {names[key]: value for key, value in step.params.items()}
    return [_patch(step, "merge", {"spec": spec})]


def _drain(step: PlanStep) -> list[Command]:
    flags = ["--ignore-daemonsets", "--delete-emptydir-data"]
    if "grace_seconds" in step.params:
        flags.append(f"--grace-period={step.params['grace_seconds']}")
    if "timeout_seconds" in step.params:
        flags.append(f"--timeout={step.params['timeout_seconds']}s")
    return [(["drain"], [step.target.name], flags)]


def _remove_taint(step: PlanStep) -> list[Command]:
    effect = step.params.get("effect")
    taint = f"{step.params['key']}:{effect}-" if effect else f"{step.params['key']}-"
    return [(["taint", "nodes"], [step.target.name, taint], [])]


def _rollout_undo(step: PlanStep) -> list[Command]:
    revision = step.params.get("to_revision")
    flags = [f"--to-revision={revision}"] if revision is not None else []
    return [(["rollout", "undo"], [_resource(step)], flags)]


_BUILDERS: Mapping[Action, Callable[[PlanStep], list[Command]]] = {
    Action.PATCH: lambda s: [_patch(s, s.params["patch_type"], s.params["patch"])],
    Action.SCALE: lambda s: [(["scale"], [_resource(s)], [f"--replicas={s.params['replicas']}"])],
    Action.ROLLOUT_RESTART: lambda s: [(["rollout", "restart"], [_resource(s)], [])],
    Action.ROLLOUT_UNDO: _rollout_undo,
    Action.SET_IMAGE: _set_image,
    Action.SET_RESOURCES: _set_resources,
    Action.SET_ENV: _set_env,
    Action.SET_CONFIGMAP_KEY: lambda s: [
        _patch(s, "merge", {"data": {s.params["key"]: s.params["value"]}}),
    ],
    Action.DELETE_POD: lambda s: [(["delete", "pod"], [s.target.name], [])],
    Action.CORDON: lambda s: [(["cordon"], [s.target.name], [])],
    Action.UNCORDON: lambda s: [(["uncordon"], [s.target.name], [])],
    Action.DRAIN: _drain,
    Action.SET_SERVICE_SELECTOR: lambda s: [
        _patch(s, "json", [{"op": "replace", "path": "/spec/selector", "value": dict(s.params["selector"])}]),
    ],
    Action.SET_PROBE: _set_probe,
    Action.SET_HPA_RANGE: _set_hpa_range,
    Action.REMOVE_TAINT: _remove_taint,
    # kubectl delete has no uid precondition: the step's own check (the uid it created) is not shown.
    Action.DELETE_CREATED: lambda s: [(["delete", _RESOURCE[s.target.kind]], [s.target.name], [])],
}
