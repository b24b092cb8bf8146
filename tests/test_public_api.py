"""The public face stays exactly what we mean it to be."""

from __future__ import annotations

import workbench
from workbench import sandbox


def test_the_root_package_exports_only_the_curated_names() -> None:
    assert sorted(workbench.__all__) == [
        "Cluster",
        "WorkbenchError",
        "__version__",
        "connect",
        "open_snapshot",
    ]
    for name in workbench.__all__:
        assert getattr(workbench, name) is not None


def test_the_sandbox_exports_only_its_handle() -> None:
    assert sorted(sandbox.__all__) == ["Sandbox", "scenarios", "start", "write_kubeconfig"]
    for name in sandbox.__all__:
        assert getattr(sandbox, name).__module__.startswith("workbench.sandbox")
