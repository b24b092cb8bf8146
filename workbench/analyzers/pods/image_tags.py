"""``workload.latest-tag``: images tagged ``:latest`` (or not at all), one INFO finding per workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods._workloads import by_workload, not_system, with_roots
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Evidence, Finding, Severity

DOCS_URL = DOCS + "concepts/containers/images/#image-names"


class LatestTag:
    """Containers (init containers included) whose image floats: ``:latest`` or no tag and no digest.

    Aggregated per top-level workload; the platform's own namespaces are left out.
    """

    name: ClassVar[str] = "workload-image-tags"
    codes: ClassVar[tuple[str, ...]] = ("workload.latest-tag",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        c = not_system(frames.containers)
        c = c[c[Containers.LATEST_TAG].to_numpy(dtype=bool)]
        if not len(c):
            return
        columns = [
            Containers.NAMESPACE,
            Containers.NAME,
            Containers.CONTAINER,
            Containers.INIT,
            Containers.IMAGE,
        ]
        for ref, rows, pods in by_workload(with_roots(frames, c[columns])):
            images = sorted({text(r[Containers.IMAGE]) for r in rows})
            yield Finding(
                "workload.latest-tag",
                Severity.INFO,
                ref,
                f"{ref}: floating image tag {', '.join(images)} ({pods} pod(s))",
                evidence=tuple(
                    Evidence(
                        "spec",
                        f"spec.{'initContainers' if r[Containers.INIT] else 'containers'}"
                        f"[{r[Containers.CONTAINER]}].image",
                        text(r[Containers.IMAGE]),
                    )
                    for r in rows
                ),
                explanation=(
                    "An image tagged :latest (or not tagged) names whatever was pushed last: pods "
                    "of one workload can run different code, a node restart can change what runs, and "
                    "a rollback has nothing to go back to. Pin a version tag or a digest."
                ),
                docs_url=DOCS_URL,
                planners=(),
            )
