"""Value types every stage shares (refs, findings, plans); no I/O."""

from workbench.model._refs import ObjectRef

__all__ = ["ObjectRef"]
