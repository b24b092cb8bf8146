"""`ClusterExplorer`: filter a cluster's objects, page through them, and drill into one.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> from workbench.views.widgets import ClusterExplorer
    >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:  # doctest: +SKIP
    ...     cluster = workbench.connect(kubeconfig=sb.kubeconfig)
    ...     explorer = ClusterExplorer(cluster.frames(), cluster.analyze(), logs=cluster.logs)
    ...     explorer.health_filter.value = "problems"
    ...     explorer.select(explorer.refs()[0])
    ...     explorer.selected
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import ipywidgets as widgets
import pandas as pd
import traitlets

from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Frame
from workbench.model import ObjectRef
from workbench.views.widgets import _table as tbl
from workbench.views.widgets._common import (
    badge,
    error_html,
    esc,
    static_page,
    style_tag,
    table,
    with_fallback,
)
from workbench.views.widgets._detail import LogReader, accessor, detail
from workbench.views.widgets._health import FindingIndex

Refresh = Callable[[], tuple[Frames, AnalysisReport | None]]
"""Pulls the cluster again: fresh frames and (optionally) their analysis."""

_PLACEHOLDER = (
    '<div class="wb-muted">Select an object (click its name) to see its findings, events and logs.</div>'
)


class ClusterExplorer(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """Kind, namespace, health and text filters over a cluster's frames, a paged table of the
    matching objects, and a detail pane for the one selected.

    The widget reads only what it is given: frames, a report, and the callbacks ``logs`` (read a
    container's log) and ``refresh`` (pull again). It never writes to a cluster and never displays
    itself; the selected object is the trait ``selected`` (observe it to react).

    Args:
        frames: the cluster's frames (a `Frames` bundle, for owners and events).
        report: the analysis of the same frames; without one, health comes from each object's status.
        logs: reads a pod's container log (``cluster.logs``); without it the pane shows no logs.
        page_size: rows per page.
        refresh: pulls fresh frames and their report when the Refresh button is pressed.

    Attributes:
        selected: the selected object's `ObjectRef`, or None (a traitlet: ``.observe(fn, "selected")``).
        page: the page shown, from 0 (a traitlet; setting it turns the page, within the pages there are).
        kind_filter, namespace_filter, health_filter, text_filter: the filter controls.
        row_buttons: the page's name buttons, in row order (clicking one selects its object).
        detail: the HTML widget of the detail pane.

    Raises:
        ConfigError: ``page_size`` is not a positive whole number.
    """

    selected = traitlets.Instance(ObjectRef, allow_none=True)
    page = traitlets.Int(0)

    def __init__(
        self,
        frames: Frames,
        report: AnalysisReport | None = None,
        *,
        logs: LogReader | None = None,
        page_size: int = 25,
        refresh: Refresh | None = None,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ConfigError(f"page_size={page_size!r} is not valid; use a positive whole number, e.g. 25")
        if not isinstance(frames, Frames):
            raise ConfigError(
                f"ClusterExplorer needs a Frames bundle (cluster.frames()), not {type(frames).__name__}"
            )
        self.page_size = page_size
        self._logs = logs
        self._refresh = refresh
        self._frames = frames
        self._index = FindingIndex(report, frames)
        self._quiet = False
        self._table = pd.DataFrame()
        self._filtered = pd.DataFrame()
        self._labels: list[Hashable] = []
        self._selected_label: Hashable | None = None
        self._selected_kind = ""

        self.kind_filter = widgets.Dropdown(description="Kind", layout=widgets.Layout(width="15em"))
        self.namespace_filter = widgets.Dropdown(description="Namespace", layout=widgets.Layout(width="19em"))
        self.health_filter = widgets.Dropdown(
            description="Health",
            options=list(tbl.HEALTH_FILTERS),
            value=tbl.ANY,
            layout=widgets.Layout(width="13em"),
        )
        self.text_filter = widgets.Text(placeholder="name, status, node…", description="Search")
        self.refresh_button = widgets.Button(
            description="Refresh", icon="refresh", tooltip="Pull the cluster again", disabled=refresh is None
        )
        self.prev_button = widgets.Button(description="◀ Prev", layout=widgets.Layout(width="6em"))
        self.next_button = widgets.Button(description="Next ▶", layout=widgets.Layout(width="6em"))
        self.status = widgets.HTML()
        self.grid = widgets.GridBox(layout=widgets.Layout(grid_gap="0px 4px", align_items="center"))
        self.grid.add_class("wb-grid")
        self.row_buttons: list[Any] = []
        self._cells: list[list[Any]] = []
        self._header_cells: list[Any] = []
        self.detail = widgets.HTML(_PLACEHOLDER)
        self.detail.add_class("wb-detail-pane")
        filters = widgets.HBox(
            [self.kind_filter, self.namespace_filter, self.health_filter, self.text_filter]
        )
        paging = widgets.HBox([self.prev_button, self.next_button, self.status, self.refresh_button])
        super().__init__(children=[widgets.HTML(style_tag()), filters, paging, self.grid, self.detail])
        self.add_class("wb-widget")
        self.add_class("wb-explorer")

        self.kind_filter.observe(self._on_kind, "value")
        for control in (self.namespace_filter, self.health_filter, self.text_filter):
            control.observe(self._on_filter, "value")
        self.prev_button.on_click(lambda _: self._turn(-1))
        self.next_button.on_click(lambda _: self._turn(+1))
        self.refresh_button.on_click(lambda _: self.reload())
        self._set_kinds("Pod")

    # --- what it shows ---------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """The kind listed now."""
        return str(self.kind_filter.value)

    @property
    def matches(self) -> pd.DataFrame:
        """Every row matching the filters (all pages): one text column per header."""
        return tbl.visible(self._filtered)

    @property
    def rows(self) -> pd.DataFrame:
        """The rows of the page shown now, in order (what the table shows)."""
        return tbl.visible(tbl.page_of(self._filtered, self.page, self.page_size))

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill."""
        return tbl.pages(len(self._filtered), self.page_size)

    def refs(self) -> list[ObjectRef]:
        """The objects of the page shown now, in row order."""
        k8s = accessor(self._frame())
        return [k8s.ref(label) for label in self._labels]

    # --- actions ---------------------------------------------------------------------------------

    def select(self, target: ObjectRef | int) -> ObjectRef:
        """Select an object: an `ObjectRef` (switching the kind when needed) or a row of the page.

        Returns:
            The selected object's ref (also in ``selected``).

        Raises:
            ConfigError: no such object in the frames, or no such row on the page.
        """
        if isinstance(target, int):
            if not 0 <= target < len(self._labels):
                raise ConfigError(
                    f"row {target} is not on this page; it has rows 0 to {len(self._labels) - 1}"
                )
            return self._select_label(self._labels[target])
        if target.kind not in tbl.KIND_FRAMES:
            raise ConfigError(f"{target} cannot be explored; kinds: {', '.join(tbl.KIND_FRAMES)}")
        if target.kind != self.kind:
            self.kind_filter.value = target.kind
        frame = self._frame()
        found = frame[(frame[Frame.NAMESPACE] == target.namespace) & (frame[Frame.NAME] == target.name)]
        if not len(found):
            raise ConfigError(
                f"{target} is not in these frames (deleted, or not pulled): refresh, or pick another"
            )
        label = found.index[0]
        if label in self._filtered.index:
            position = list(self._filtered.index).index(label)
            self.page = position // self.page_size
        return self._select_label(label)

    def reload(self) -> None:
        """Pull again through the ``refresh`` callback, keeping the filters and the selection (when
        the object still exists). A failing refresh leaves everything as it was and says why."""
        if self._refresh is None:
            self.status.value = (
                '<span class="wb-error">No refresh callback was given to this explorer.</span>'
            )
            return
        self.refresh_button.disabled = True
        try:
            frames, report = self._refresh()
        except Exception as exc:  # noqa: BLE001 - shown in the widget; the old frames stay on screen
            self.status.value = error_html(exc, "Refresh")
            return
        finally:
            self.refresh_button.disabled = False
        chosen = self.selected
        self._frames, self._index = frames, FindingIndex(report, frames)
        self._set_kinds(self.kind)
        if chosen is not None:
            try:
                self.select(chosen)
            except ConfigError:
                self._clear_selection(f"{chosen} is gone since the refresh.")

    # --- internals ---------------------------------------------------------------------------------

    def _frame(self) -> pd.DataFrame:
        return self._frames[tbl.KIND_FRAMES[self.kind]]

    def _set_kinds(self, wanted: str) -> None:
        counts = tbl.kinds(self._frames)
        self._quiet = True
        try:
            self.kind_filter.options = [(f"{kind} ({n})", kind) for kind, n in counts]
            known = [kind for kind, _ in counts]
            self.kind_filter.value = wanted if wanted in known else known[0]
        finally:
            self._quiet = False
        self._on_kind()

    def _on_kind(self, _change: object = None) -> None:
        if self._quiet:
            return
        self._table = tbl.build(self._frames, self.kind, self._index)
        names = tbl.namespaces(self._table)
        self._quiet = True
        try:
            current = self.namespace_filter.value
            self.namespace_filter.options = [("all namespaces", tbl.ALL_NAMESPACES), *((n, n) for n in names)]
            self.namespace_filter.value = current if current in names else tbl.ALL_NAMESPACES
            self.namespace_filter.disabled = not names
        finally:
            self._quiet = False
        self._on_filter()

    def _on_filter(self, _change: object = None) -> None:
        if self._quiet:
            return
        self._filtered = tbl.filtered(
            self._table,
            namespace=str(self.namespace_filter.value or ""),
            health=str(self.health_filter.value),
            text=str(self.text_filter.value),
        )
        if self.page == 0:
            self._render()
        else:
            self.page = 0  # renders, through _page_changed

    def _turn(self, step: int) -> None:
        self.page += step  # clamped by _valid_page; renders through _page_changed when it moves

    @traitlets.validate("page")
    def _valid_page(self, proposal: traitlets.Bunch) -> int:
        return min(max(0, int(proposal["value"])), self.pages - 1)

    @traitlets.observe("page")
    def _page_changed(self, _change: traitlets.Bunch) -> None:
        self._render()

    def _render(self) -> None:
        shown = tbl.page_of(self._filtered, self.page, self.page_size)
        heads = tbl.headers(self._table)
        self._labels = list(shown.index)
        children = [self._header(i, h) for i, h in enumerate(heads)]
        for r, (label, row) in enumerate(shown.iterrows()):
            for c, head in enumerate(heads):
                children.append(
                    self._cell(r, c, head, str(row[head]), selected=label == self._chosen_label())
                )
        self.grid.children = children
        self.grid.layout.grid_template_columns = f"repeat({len(heads)}, max-content)"
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages - 1
        self.status.value = esc(self._summary())

    def _chosen_label(self) -> Hashable | None:
        return self._selected_label if self._selected_kind == self.kind else None

    def _summary(self) -> str:
        total, matching = len(self._table), len(self._filtered)
        noun = f"{self.kind} objects"
        if not matching:
            return f"No {noun} match these filters ({total} in all)."
        first = self.page * self.page_size + 1
        last = min(matching, first + self.page_size - 1)
        where = f"page {self.page + 1} of {self.pages}"
        return f"{noun} {first}–{last} of {matching} matching ({total} in all) · {where}"

    def _header(self, i: int, head: str) -> Any:
        while len(self._header_cells) <= i:
            self._header_cells.append(widgets.HTML())
        cell = self._header_cells[i]
        cell.value = f'<div class="wb-cell wb-head-cell">{esc(head)}</div>'
        return cell

    def _cell(self, r: int, c: int, head: str, value: str, *, selected: bool) -> Any:
        while len(self.row_buttons) <= r:
            button = widgets.Button(layout=widgets.Layout(width="auto"))
            button.add_class("wb-row-name")
            button.on_click(self._selects(len(self.row_buttons)))
            self.row_buttons.append(button)
            self._cells.append([])
        if head == tbl.NAME:
            button = self.row_buttons[r]
            button.description = value
            button.tooltip = f"Show {value}"
            button.button_style = "info" if selected else ""
            return button
        cells = self._cells[r]
        while len(cells) <= c:
            cells.append(widgets.HTML())
        cells[c].value = (
            badge(value)
            if head == tbl.HEALTH
            else f'<div class="wb-cell" title="{esc(value)}">{esc(value)}</div>'
        )
        return cells[c]

    def _selects(self, row: int) -> Callable[[object], object]:
        return lambda _button: self.select(row)

    def _select_label(self, label: Hashable) -> ObjectRef:
        ref, markup = detail(self._frames, self.kind, label, self._index, self._logs)
        self._selected_label, self._selected_kind = label, self.kind
        self.detail.value = markup
        for r, button in enumerate(self.row_buttons[: len(self._labels)]):
            button.button_style = "info" if self._labels[r] == label else ""
        self.selected = ref
        return ref

    def _clear_selection(self, why: str) -> None:
        self._selected_label, self._selected_kind = None, ""
        self.detail.value = f'<div class="wb-muted">{esc(why)}</div>'
        self.selected = None

    # --- static fallback ---------------------------------------------------------------------------

    def _static_body(self) -> str:
        filters = (
            f"kind {self.kind}, namespace {self.namespace_filter.value or 'all'}, "
            f"health {self.health_filter.value}, search {self.text_filter.value!r}"
        )
        rows = self.rows
        heads = list(rows.columns)
        cells = [
            [badge(str(row[h])) if h == tbl.HEALTH else esc(row[h]) for h in heads]
            for _, row in rows.iterrows()
        ]
        return (
            f'<div class="wb-muted">Filters: {esc(filters)}</div><div>{esc(self._summary())}</div>'
            + table([esc(h) for h in heads], cells)
            + str(self.detail.value)
        )

    def _text(self) -> str:
        chosen = f"; selected {self.selected}" if self.selected is not None else ""
        return f"ClusterExplorer: {self._summary()}{chosen}"

    def _repr_html_(self) -> str:
        return static_page("explorer", self._static_body())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return with_fallback(super()._repr_mimebundle_(**kwargs), self._repr_html_(), self._text())
