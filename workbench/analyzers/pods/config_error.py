"""``pod.config-error`` (a missing ConfigMap/Secret or key) and ``pod.create-error`` (the runtime
could not create the container or the pod sandbox)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import MISSING_CONFIG, Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import ConfigMaps, Containers, Events, Secrets
from workbench.model import Evidence, Finding, ObjectRef

CONFIG_DOCS = DOCS + "tasks/configure-pod-container/configure-pod-configmap/"
SECRET_DOCS = DOCS + "concepts/configuration/secret/"

_MISSING_KEY = re.compile(
    r"couldn't find key (?P<key>\S+) in (?P<kind>ConfigMap|Secret) (?P<ns>[^/\s]+)/(?P<name>[^\s:]+)"
)
_MISSING_OBJECT = re.compile(r"(?P<kind>configmap|secret)s? \"(?P<name>[^\"]+)\" not found", re.I)
_FRAMES = {"ConfigMap": (ConfigMaps.FRAME, ConfigMaps.KEYS), "Secret": (Secrets.FRAME, Secrets.KEYS)}


class ConfigError:
    """Containers that cannot be created: CreateContainerConfigError (a ConfigMap, Secret or key
    they read is missing: parsed from the message into ``related``), a volume naming a missing
    ConfigMap/Secret, CreateContainerError/RunContainerError, and pod sandboxes that fail."""

    name: ClassVar[str] = "pod-config"
    codes: ClassVar[tuple[str, ...]] = ("pod.config-error", "pod.create-error")

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of(*self.codes):
            yield _config(v, t, frames) if v.code == "pod.config-error" else _create(v, t)


def _config(v: Verdict, t: Triage, frames: Frames) -> Finding:
    c = v.container
    if c is not None:
        messages = [text(c[Containers.MESSAGE])]
        events = [
            e
            for e in t.pod_events(v.key, "Failed", warnings_only=True)
            if "Error:" in text(e[Events.MESSAGE])
        ]
    else:  # a volume that names a missing ConfigMap or Secret
        events = [
            e
            for e in t.pod_events(v.key, "FailedMount", warnings_only=True)
            if MISSING_CONFIG.search(text(e[Events.MESSAGE]))
        ]
        messages = [text(e[Events.MESSAGE]) for e in events]
    kind, namespace, name, key = _missing(" ".join(messages), v.key[0])
    facts: list[Evidence] = []
    related: list[ObjectRef] = []
    planners: tuple[str, ...] = ("rollout-undo",)
    if kind:
        target = ObjectRef(kind, namespace, name)
        related.append(target)
        facts.append(_exists(frames, target))
        if key:
            what = f"key {key} is missing from {kind} {namespace}/{name}"
            planners = ("repoint-config-key", "rollout-undo")
        else:
            what = f"{kind} {namespace}/{name} does not exist"
            planners = ("rollout-undo",)
    else:
        what = "its configuration cannot be read"
    who = (
        f"{ev.kind_of(c)} {ev.container_name(v)} cannot start"
        if c is not None
        else "a volume cannot be mounted"
    )
    return Finding(
        "pod.config-error",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: {who}: {what}",
        evidence=(
            *(ev.state_evidence(c) if c is not None else []),
            *facts,
            *[event_evidence(e) for e in events[-1:]],
        ),
        explanation=(
            "The kubelet will not create the container until everything it reads exists: an env var "
            "(valueFrom, envFrom) or a volume refers to "
            + (
                f"{kind} {namespace}/{name}" + (f" and its key {key}" if key else "")
                if kind
                else "a ConfigMap or Secret"
            )
            + ", which is not there. Create it (or add the key), or fix the reference in the pod template; "
            "mark the reference optional only if the program copes without it."
        ),
        docs_url=SECRET_DOCS if kind == "Secret" else CONFIG_DOCS,
        planners=planners,
        related=tuple(related),
    )


def _missing(message: str, namespace: str) -> tuple[str, str, str, str]:
    """(kind, namespace, name, key) of what the message says is missing; kind ``""`` if it says nothing."""
    m = _MISSING_KEY.search(message)
    if m is not None:
        return m["kind"], m["ns"], m["name"], m["key"]
    m = _MISSING_OBJECT.search(message)
    if m is not None:
        return ("ConfigMap" if m["kind"].lower() == "configmap" else "Secret"), namespace, m["name"], ""
    return "", "", "", ""


def _exists(frames: Frames, ref: ObjectRef) -> Evidence:
    """Whether the bundle has ``ref`` and which keys it has (key names only, never values)."""
    frame, keys_col = _FRAMES[ref.kind]
    if frame not in frames.pulled or frames.missing_for(frame) is not None:
        return Evidence("field", "exists", f"not checked: {frame} were not read", ref)
    df = frames[frame]
    rows = df[
        ((df[ConfigMaps.NAMESPACE] == ref.namespace) & (df[ConfigMaps.NAME] == ref.name)).to_numpy(dtype=bool)
    ]
    if not len(rows):
        return Evidence("field", "exists", "no", ref)
    keys = rows.iloc[0][keys_col]
    shown = ", ".join(str(k) for k in keys) if isinstance(keys, list) and keys else "none"
    return Evidence("field", "keys", shown, ref)


def _create(v: Verdict, t: Triage) -> Finding:
    c = v.container
    if v.note == "sandbox" or c is None:
        events = t.pod_events(v.key, "FailedCreatePodSandBox", warnings_only=True)
        return Finding(
            "pod.create-error",
            v.severity,
            ev.pod_ref(v.pod),
            f"{ev.pod_ref(v.pod)}: the pod sandbox cannot be created on {ev.text_node(v.pod)}",
            evidence=tuple(event_evidence(e) for e in events[-2:]),
            explanation=(
                "The kubelet cannot create the pod's sandbox (its network namespace): usually the "
                "node's network plugin (CNI) is failing or out of IP addresses, or the runtime is broken. "
                "Check the CNI pods on that node and the kubelet's log; other pods there likely fail too."
            ),
            docs_url=ev.DEBUG_PODS,
            planners=(),
            related=ev.related_node(v.pod),
        )
    name = ev.container_name(v)
    return Finding(
        "pod.create-error",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: {ev.kind_of(c)} {name} cannot be created ({text(c[Containers.REASON])})",
        evidence=(*ev.container_story(c), *ev.events(t, v.key, "Failed", limit=1)),
        explanation=(
            "The container runtime could not create or start the container: the command or "
            "entrypoint does not exist in the image, a mount path clashes, or a hook failed. The "
            "message names the cause; fix the pod template (command, image, volumeMounts) or undo the "
            "rollout."
        ),
        docs_url=ev.DEBUG_PODS,
        planners=("rollout-undo", "set-image"),
        related=ev.related_node(v.pod),
    )
