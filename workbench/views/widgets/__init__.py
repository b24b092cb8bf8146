"""ipywidgets for exploring a cluster, reviewing findings and approving plans; one widget per module.

Widgets never write to a cluster and never display themselves: what needs a cluster (reading logs,
pulling again, planning, dry-running, applying) is a callback passed in, and what a person chooses
comes out as a value (a selected `ObjectRef`, a generated cell, an `Approval`) in an observable
trait. The notebook entry points wire them: ``cluster.explore()``, ``cluster.board()`` /
``report.board()`` and ``fix.review()``.

Every widget also renders a static snapshot of what it shows (``text/html`` and ``text/plain``
beside ipywidgets' view in its MIME bundle), so a saved or exported notebook still shows it.
"""

from workbench.views.widgets._board import FindingsBoard, investigation_cell
from workbench.views.widgets._detail import LogReader
from workbench.views.widgets._explorer import ClusterExplorer
from workbench.views.widgets._review import PlanReview

__all__ = ["ClusterExplorer", "FindingsBoard", "LogReader", "PlanReview", "investigation_cell"]
