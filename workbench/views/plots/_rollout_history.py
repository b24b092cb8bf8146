"""`rollout_history`: a Deployment's revisions, from its ReplicaSets."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Deployments, ReplicaSets
from workbench.model import ObjectRef, Severity
from workbench.views import theme
from workbench.views.plots._common import empty_figure

SCALED_DOWN_COLOR = "#DDDDDD"
"""Revisions that run no pods (old ReplicaSets kept for rollback)."""
_SHOWN_NAMES = 10


def rollout_history(
    frames: Frames,
    deployment: str | ObjectRef,
    *,
    namespace: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """A Deployment's revisions: one bar pair (desired, ready replicas) per ReplicaSet it owns.

    Ready bars take the health colours: healthy when every desired replica is ready, a warning when
    some are not, an error when none is; revisions scaled to zero are grey. Hover shows each
    revision's images, when its ReplicaSet was created and its pod-template-hash; the revision the
    Deployment is at is marked "current".

    Args:
        frames: the cluster's frames (deployments, replicasets).
        deployment: an ``ObjectRef`` of kind Deployment, ``"namespace/name"``, or a name (with
            ``namespace=``, or unique across namespaces).
        namespace: the namespace when ``deployment`` is a bare name.
        title: the figure's title.

    Returns:
        A figure with two ``Bar`` traces, ``desired`` and ``ready`` (x: ``rev N``, y: replicas),
        whose ``customdata`` are the ReplicaSets' names.

    Raises:
        ConfigError: the ref is not a Deployment, or no such Deployment exists (the message names
            the Deployments there are), or a bare name matches Deployments in several namespaces.
    """
    ns, name = _resolve(frames, deployment, namespace)
    heading = title or f"Rollout history of Deployment {ns}/{name}"
    deps = frames.deployments
    row = deps[
        (deps[Deployments.NAMESPACE] == ns).to_numpy(dtype=bool)
        & (deps[Deployments.NAME] == name).to_numpy(dtype=bool)
    ]
    current = row[Deployments.REVISION].iloc[0]
    uid = str(row[Deployments.UID].iloc[0] or "")
    rs = frames.replicasets
    mine = rs[
        (rs[ReplicaSets.NAMESPACE] == ns).to_numpy(dtype=bool)
        & (rs[ReplicaSets.OWNER_KIND] == "Deployment").fillna(False).to_numpy(dtype=bool)
        & (rs[ReplicaSets.OWNER_NAME] == name).fillna(False).to_numpy(dtype=bool)
    ]
    if uid:
        # A Deployment deleted and recreated under the same name leaves orphans with the old uid.
        mine = mine[(mine[ReplicaSets.OWNER_UID].fillna(uid) == uid).to_numpy(dtype=bool)]
    if mine.empty:
        return empty_figure(heading, f"Nothing to show: Deployment {ns}/{name} owns no ReplicaSets")
    mine = mine.sort_values([ReplicaSets.REVISION, ReplicaSets.CREATED], kind="stable", na_position="first")
    revisions = [
        f"rev {r}" if pd.notna(r) else f"({n})"
        for r, n in zip(mine[ReplicaSets.REVISION], mine[ReplicaSets.NAME], strict=True)
    ]
    desired = mine[ReplicaSets.REPLICAS].fillna(0).astype("int64").to_numpy()
    ready = mine[ReplicaSets.READY_REPLICAS].fillna(0).astype("int64").to_numpy()
    hover = [
        f"{rs_name}<br>images: {', '.join(images) if images is not None and len(images) else '?'}"
        f"<br>created {created:%Y-%m-%d %H:%M} UTC · hash {hash_ or '?'}"
        f"<br>ready {r} of {d}" + (f"<br>{failure}" if isinstance(failure, str) and failure else "")
        for rs_name, images, created, hash_, r, d, failure in zip(
            mine[ReplicaSets.NAME],
            mine[ReplicaSets.IMAGES],
            mine[ReplicaSets.CREATED],
            mine[ReplicaSets.POD_TEMPLATE_HASH].astype("string").fillna(""),
            ready,
            desired,
            mine[ReplicaSets.REPLICA_FAILURE_MESSAGE].astype("string").fillna(""),
            strict=True,
        )
    ]
    names = mine[ReplicaSets.NAME].astype("string").to_numpy(dtype=object)
    fig = go.Figure(
        [
            go.Bar(
                name="desired",
                x=revisions,
                y=desired,
                marker={"color": "white", "line": {"color": "#52606D", "width": 1.5}},
                customdata=names,
                hovertext=hover,
                hovertemplate="<b>%{x}</b> desired %{y}<br>%{hovertext}<extra></extra>",
            ),
            go.Bar(
                name="ready",
                x=revisions,
                y=ready,
                marker={"color": [_ready_color(int(r), int(d)) for r, d in zip(ready, desired, strict=True)]},
                customdata=names,
                text=[_tag(images) for images in mine[ReplicaSets.IMAGES]],
                textposition="outside",
                hovertext=hover,
                hovertemplate="<b>%{x}</b> ready %{y}<br>%{hovertext}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        template=theme.TEMPLATE,
        title=heading,
        barmode="overlay",
        xaxis={"title": {"text": "revision"}, "type": "category"},
        yaxis={"title": {"text": "replicas"}, "rangemode": "tozero"},
    )
    if pd.notna(current) and f"rev {current}" in revisions:
        top = int(max(desired.max(initial=0), ready.max(initial=0)))
        fig.add_annotation(
            x=f"rev {current}", y=top, text="current", showarrow=True, arrowhead=2, ay=-36, name="current"
        )
    return fig


def _ready_color(ready: int, desired: int) -> str:
    if desired == 0:
        return SCALED_DOWN_COLOR
    if ready >= desired:
        return theme.HEALTHY_COLOR
    return theme.severity_color(Severity.WARNING if ready else Severity.ERROR)


def _tag(images: object) -> str:
    if images is None or not len(images):  # type: ignore[arg-type]  # an object column holds lists
        return ""
    first = str(list(images)[-1])  # type: ignore[call-overload]  # the app container comes last
    return first.rsplit("/", 1)[-1]


def _resolve(frames: Frames, deployment: str | ObjectRef, namespace: str | None) -> tuple[str, str]:
    deps = frames.deployments
    if isinstance(deployment, ObjectRef):
        if deployment.kind != "Deployment":
            raise ConfigError(f"rollout_history draws Deployments; {deployment} is a {deployment.kind}")
        ns, name = deployment.namespace, deployment.name
    elif "/" in deployment:
        ns, name = deployment.split("/", 1)
    else:
        ns, name = namespace or "", deployment
    names = deps[Deployments.NAME].astype("string")
    spaces = deps[Deployments.NAMESPACE].astype("string")
    if not ns:
        found = sorted(spaces[names == name].dropna().unique())
        if len(found) > 1:
            raise ConfigError(
                f"Deployment {name!r} exists in several namespaces ({', '.join(found)}); "
                f"pass '{found[0]}/{name}' or namespace="
            )
        ns = found[0] if found else ""
    if not ((spaces == ns) & (names == name)).fillna(False).any():
        known = sorted((spaces + "/" + names).dropna())
        nearby = [k for k in known if k.startswith(f"{ns}/")] if ns else known
        listed = ", ".join((nearby or known)[:_SHOWN_NAMES]) or "none"
        more = " ..." if len(nearby or known) > _SHOWN_NAMES else ""
        where = f"{ns}/{name}" if ns else name
        raise ConfigError(f"no Deployment {where} in this cluster; Deployments: {listed}{more}")
    return ns, name
