"""``workload.privileged``: privileged containers, host namespaces, powerful capabilities, per workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import numpy as np
import pandas as pd

from workbench.analyzers._common import present
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods._workloads import by_workload, not_system, with_roots
from workbench.frames import Frames
from workbench.frames.schema import Containers, Pods
from workbench.model import Evidence, Finding, Severity

DOCS_URL = DOCS + "concepts/security/pod-security-standards/"
DANGEROUS_CAPABILITIES = frozenset(
    {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "BPF", "PERFMON"}
)
"""Capabilities the Pod Security Standards' baseline forbids that amount to (near) root on the node."""
_HOST = "_host"


class Privileged:
    """Workloads whose pods escape container isolation (k8sgpt's optional Security analyzer):
    privileged containers, added capabilities like SYS_ADMIN or NET_ADMIN, hostNetwork, hostPID,
    hostIPC. A security-posture finding (INFO), one per top-level workload; the platform's own
    namespaces (kube-system, where CNI and kube-proxy need these) are left out.
    """

    name: ClassVar[str] = "workload-security"
    codes: ClassVar[tuple[str, ...]] = ("workload.privileged",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        pods = frames.pods
        host = np.zeros(len(pods), dtype=bool)
        for col in (Pods.HOST_NETWORK, Pods.HOST_PID, Pods.HOST_IPC):
            host |= pods[col].to_numpy(dtype=bool)
        c = frames.containers
        dangerous = np.fromiter(
            (bool(DANGEROUS_CAPABILITIES.intersection(caps)) for caps in c[Containers.CAPABILITIES_ADD]),
            dtype=bool,
            count=len(c),
        )
        flagged = c[c[Containers.PRIVILEGED].to_numpy(dtype=bool) | dangerous]
        host_pods = pods[host]
        if not len(flagged) and not len(host_pods):
            return
        # Host namespaces are the pod's: one pseudo-container row per pod carries them.
        host_rows = pd.DataFrame(
            {
                Containers.NAMESPACE: host_pods[Pods.NAMESPACE].astype(str).to_numpy(),
                Containers.NAME: host_pods[Pods.NAME].astype(str).to_numpy(),
                Containers.CONTAINER: _HOST,
                _HOST: [
                    ", ".join(f for f, on in (("hostNetwork", n), ("hostPID", p), ("hostIPC", i)) if on)
                    for n, p, i in zip(
                        host_pods[Pods.HOST_NETWORK],
                        host_pods[Pods.HOST_PID],
                        host_pods[Pods.HOST_IPC],
                        strict=True,
                    )
                ],
            }
        )
        rows = pd.DataFrame(
            {
                Containers.NAMESPACE: flagged[Containers.NAMESPACE].astype(str).to_numpy(),
                Containers.NAME: flagged[Containers.NAME].astype(str).to_numpy(),
                Containers.CONTAINER: flagged[Containers.CONTAINER].astype(str).to_numpy(),
                Containers.PRIVILEGED: flagged[Containers.PRIVILEGED].to_numpy(dtype=bool),
                Containers.CAPABILITIES_ADD: flagged[Containers.CAPABILITIES_ADD].to_numpy(dtype=object),
            }
        )
        both = not_system(pd.concat([rows, host_rows], ignore_index=True))
        if not len(both):
            return
        for ref, group, pods_count in by_workload(with_roots(frames, both)):
            evidence = []
            what: list[str] = []
            for r in group:
                name = r[Containers.CONTAINER]
                if name == _HOST:
                    evidence.append(Evidence("spec", "spec (pod)", str(r[_HOST])))
                    what.append(str(r[_HOST]))
                    continue
                if present(r[Containers.PRIVILEGED]) and bool(r[Containers.PRIVILEGED]):
                    evidence.append(
                        Evidence("spec", f"spec.containers[{name}].securityContext.privileged", "true")
                    )
                    what.append(f"privileged container {name}")
                added = r[Containers.CAPABILITIES_ADD]
                caps = sorted(DANGEROUS_CAPABILITIES.intersection(added if isinstance(added, list) else []))
                if caps:
                    evidence.append(
                        Evidence(
                            "spec",
                            f"spec.containers[{name}].securityContext.capabilities.add",
                            ", ".join(caps),
                        )
                    )
                    what.append(f"{name} adds {', '.join(caps)}")
            yield Finding(
                "workload.privileged",
                Severity.INFO,
                ref,
                f"{ref}: runs with host-level privileges ({'; '.join(what)}; {pods_count} pod(s))",
                evidence=tuple(evidence),
                explanation=(
                    "Its pods can reach past their container: a privileged container or one with "
                    "SYS_ADMIN/NET_ADMIN has root-like power on the node, and host namespaces expose "
                    "the node's network, processes or IPC. A compromise of this workload is a "
                    "compromise of the node. Drop what it does not need; the baseline Pod Security "
                    "Standard forbids all of these."
                ),
                docs_url=DOCS_URL,
            )
