"""The kubeconfig's context names and its current context, for the panel's context picker.

Only names are read (never a credential), in kubectl's search order: the configured file, else every
file in ``$KUBECONFIG`` (the first ``current-context`` wins), else ``~/.kube/config``; a pod's service
account is the one context ``in-cluster``. Connecting still goes through `workbench.sources`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from workbench.sources._kubeconfig import DEFAULT_PATH, IN_CLUSTER


@dataclass(frozen=True)
class Contexts:
    """The contexts a picker offers.

    Attributes:
        names: every context name, sorted.
        current: the kubeconfig's ``current-context`` (``None`` when it sets none).
        problem: why the list is empty or partial, with the fix (``""`` when it is not).
    """

    names: tuple[str, ...]
    current: str | None
    problem: str = ""


def list_contexts(kubeconfig: str | None = None) -> Contexts:
    """The contexts of ``kubeconfig`` (default: kubectl's search), or the problem reading them."""
    if kubeconfig:
        tried = [Path(kubeconfig).expanduser()]
    else:
        env = os.environ.get("KUBECONFIG", "")
        tried = [Path(p).expanduser() for p in env.split(os.pathsep) if p]
        tried = tried or [Path(DEFAULT_PATH).expanduser()]
    files = [path for path in tried if path.is_file()]
    if not files:
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            return Contexts((IN_CLUSTER,), IN_CLUSTER)
        return Contexts(
            (),
            None,
            f"no kubeconfig found (tried {', '.join(str(p) for p in tried)}): set KUBECONFIG before "
            "starting Jupyter, or start a practice cluster with `workbench sandbox start`",
        )
    names: set[str] = set()
    current: str | None = None
    problems: list[str] = []
    for path in files:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"{path} cannot be read ({' '.join(str(exc).split())[:200]}); fix or replace it")
            continue
        if not isinstance(doc, dict):
            problems.append(f"{path} is not a kubeconfig (a YAML mapping with contexts)")
            continue
        for entry in doc.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name"):
                names.add(str(entry["name"]))
        current = current or (str(doc["current-context"]) if doc.get("current-context") else None)
    return Contexts(tuple(sorted(names)), current, "; ".join(problems))
