"""The three Kubernetes PATCH body types, as pure functions over JSON-decoded objects.

``application/merge-patch+json`` → `merge_patch`, ``application/json-patch+json`` →
`json_patch`, ``application/strategic-merge-patch+json`` → `strategic_merge_patch`. Each returns
a new object and never mutates its arguments; a bad body raises `SandboxApiError` with the code,
reason and message kube-apiserver would send.
"""

from __future__ import annotations

from workbench.sandbox._patch._jsonpatch import json_patch
from workbench.sandbox._patch._merge import merge_patch
from workbench.sandbox._patch._strategic import strategic_merge_patch

__all__ = ["json_patch", "merge_patch", "strategic_merge_patch"]
