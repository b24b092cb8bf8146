"""ConfigMaps no pod uses, and ConfigMaps with no data (k8sgpt's ConfigMap analyzer); hygiene, INFO.

A ConfigMap counts as used when any pod (finished ones included) refers to it through a volume, a
projected volume, ``env.valueFrom`` or ``envFrom``. Left out: ``kube-root-ca.crt`` (published to
every namespace for service-account tokens) and the ``kube-*`` namespaces, whose ConfigMaps are
mostly read through the API by control-plane components (kubeadm-config, leader election), not
mounted. A ConfigMap that only a Deployment scaled to zero or a CronJob between runs uses also
looks unused: the explanation says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from workbench.analyzers._common import readable, records, text
from workbench.analyzers.base import DOCS
from workbench.frames import Frames
from workbench.frames.schema import ConfigMaps, Pods
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}concepts/configuration/configmap/"
ROOT_CA = "kube-root-ca.crt"


class ConfigMapAnalyzer:
    """ConfigMaps that no pod refers to, or that hold no keys."""

    name: ClassVar[str] = "configmap"
    codes: ClassVar[tuple[str, ...]] = ("configmap.unused", "configmap.empty")

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """An INFO finding per unused ConfigMap, and per used one that is empty."""
        cms = frames.configmaps
        namespaces = cms[ConfigMaps.NAMESPACE].astype(str)
        cms = cms[~namespaces.str.startswith("kube-") & (cms[ConfigMaps.NAME] != ROOT_CA)]
        if cms.empty:
            return []
        used = _used(frames, sorted({str(n) for n in cms[ConfigMaps.NAMESPACE].unique()}))
        out: list[Finding] = []
        for row in records(cms):
            ref = ObjectRef(
                "ConfigMap",
                str(row[ConfigMaps.NAMESPACE]),
                str(row[ConfigMaps.NAME]),
                text(row[ConfigMaps.UID]),
            )
            empty = not row[ConfigMaps.KEY_COUNT]
            if used is not None and (ref.namespace, ref.name) not in used:
                out.append(_unused(ref, empty))
            elif empty:
                out.append(_empty(ref, used is not None))
        return out


def _used(frames: Frames, namespaces: list[str]) -> set[tuple[str, str]] | None:
    """(namespace, name) of the ConfigMaps pods of ``namespaces`` refer to; None when pods are unread."""
    if not readable(frames, Pods.FRAME):
        return None
    pods = frames.pods
    pods = pods[pods[Pods.NAMESPACE].isin(namespaces)]
    used: set[tuple[str, str]] = set()
    for namespace, names in zip(pods[Pods.NAMESPACE].tolist(), pods[Pods.CONFIG_MAPS].tolist(), strict=True):
        used.update((namespace, name) for name in names or ())
    return used


def _unused(ref: ObjectRef, empty: bool) -> Finding:
    evidence = [Evidence("field", "pods referring to it", "none (volumes, env, envFrom)")]
    if empty:
        evidence.append(Evidence("field", "data", "no keys"))
    return Finding(
        "configmap.unused",
        Severity.INFO,
        ref,
        f"ConfigMap {ref.namespace}/{ref.name} is not used by any pod" + (" (and is empty)" if empty else ""),
        evidence=tuple(evidence),
        explanation=(
            "No pod mounts this ConfigMap or reads it into its environment. It may be left over from a "
            "removed workload; before deleting it, check that no workload scaled to zero, CronJob "
            "between runs or controller reading it through the API still needs it."
        ),
        docs_url=DOCS_URL,
    )


def _empty(ref: ObjectRef, used: bool) -> Finding:
    return Finding(
        "configmap.empty",
        Severity.INFO,
        ref,
        f"ConfigMap {ref.namespace}/{ref.name} has no data" + (" but pods use it" if used else ""),
        evidence=(Evidence("field", "data", "no keys"),),
        explanation=(
            "The ConfigMap holds no keys, so pods that mount it see an empty directory and any key they "
            "read from it is missing. Fill it, or remove it and the references to it."
        ),
        docs_url=DOCS_URL,
    )
