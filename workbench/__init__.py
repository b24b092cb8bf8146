"""Kube Workbench: a Jupyter workbench for Kubernetes incidents.

The public face is deliberately small; internal modules import from the stage they need, never
from this facade. `tests/test_public_api.py` guards the exported names.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError

__all__ = ["WorkbenchError", "__version__"]

__version__ = "0.1.0"
