"""``pod.image-pull``: an image the kubelet cannot pull, and why (no such tag, credentials, registry down)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events, Pods
from workbench.model import Evidence, Finding, ObjectRef

DOCS_URL = DOCS + "concepts/containers/images/#imagepullbackoff"

# (cause, pattern, what to do): the first that matches the kubelet's messages wins.
_CAUSES = (
    (
        "rate limited",
        re.compile(r"toomanyrequests|rate limit", re.I),
        "The registry refuses more pulls for now: authenticate the pulls or mirror the image.",
    ),
    (
        "access denied",
        re.compile(
            r"unauthorized|authentication required|access denied|denied:|403 forbidden|401|"
            r"no basic auth credentials|insufficient_scope",
            re.I,
        ),
        "The registry refused the pull: the image is private and the pod has no (or wrong) "
        "imagePullSecrets, or the image name is wrong and the registry answers 'denied' for it.",
    ),
    (
        "not found",
        re.compile(r"not found|manifest unknown|NotFound|does not exist|no such manifest|name unknown", re.I),
        "The registry has no such image or tag: a typo, a tag never pushed, or one that was deleted.",
    ),
    (
        "registry unreachable",
        re.compile(
            r"no such host|i/o timeout|connection refused|network is unreachable|TLS handshake|x509|"
            r"context deadline exceeded|dial tcp|server misbehaving",
            re.I,
        ),
        "The node cannot reach the registry (DNS, network, proxy or TLS): check from the node, "
        "and whether the registry host name is right.",
    ),
)


class ImagePull:
    """Containers waiting in ErrImagePull, ImagePullBackOff or InvalidImageName.

    The kubelet's Failed event says why: the tag does not exist (manifest unknown / not found),
    the registry refused the credentials (unauthorized), or it could not be reached.
    """

    name: ClassVar[str] = "pod-image-pull"
    codes: ClassVar[tuple[str, ...]] = ("pod.image-pull",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.image-pull"):
            yield _finding(v, t)


def _finding(v: Verdict, t: Triage) -> Finding:
    c = v.container
    assert c is not None  # triage gives pod.image-pull only with the waiting container
    name = ev.container_name(v)
    image = text(c[Containers.IMAGE])
    pulls = [
        e
        for e in t.pod_events(v.key, "Failed", warnings_only=True)
        if "pull" in text(e[Events.MESSAGE]).lower() and image in text(e[Events.MESSAGE])
    ]
    detail = [text(e[Events.MESSAGE]) for e in pulls if "Failed to pull" in text(e[Events.MESSAGE])]
    messages = " ".join([*detail, text(c[Containers.MESSAGE])])
    cause, advice = _cause(text(c[Containers.REASON]), messages)
    related: list[ObjectRef] = list(ev.related_node(v.pod))
    if cause == "access denied":
        pull_secrets = v.pod[Pods.IMAGE_PULL_SECRETS]
        related.extend(
            ObjectRef("Secret", v.key[0], s) for s in (pull_secrets if isinstance(pull_secrets, list) else [])
        )
    facts = [
        Evidence(
            "spec", f"spec.{'initContainers' if c[Containers.INIT] else 'containers'}[{name}].image", image
        )
    ]
    informative = [e for e in pulls if "Failed to pull" in text(e[Events.MESSAGE])] or pulls
    return Finding(
        "pod.image-pull",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: {ev.kind_of(c)} {name} cannot pull image {image} ({cause})",
        evidence=(*facts, *ev.state_evidence(c), *[event_evidence(e) for e in informative[-1:]]),
        explanation=(
            f"The kubelet cannot pull {image}, so the {ev.kind_of(c)} never starts; it retries with a "
            f"growing back-off (ImagePullBackOff). {advice} Fix the image reference (or the "
            "credentials) in the workload's pod template; if a rollout introduced it, undo the rollout."
        ),
        docs_url=DOCS_URL,
        planners=("set-image", "rollout-undo"),
        related=tuple(related),
    )


def _cause(reason: str, messages: str) -> tuple[str, str]:
    if reason == "InvalidImageName":
        return (
            "invalid image name",
            "The image reference is malformed (an upper-case letter, a stray ':' or space).",
        )
    if reason == "ErrImageNeverPull":
        return (
            "never pulled",
            "imagePullPolicy is Never and the image is not on the node: pre-load it or allow pulls.",
        )
    for cause, pattern, advice in _CAUSES:
        if pattern.search(messages):
            return cause, advice
    return "pull failed", "Read the kubelet's Failed event below for the registry's answer."
