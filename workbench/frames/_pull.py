"""`pull`: list the kinds concurrently from a source and build every frame into one `Frames` bundle."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
import pandas as pd

from workbench.errors import (
    ApiUnreachableError,
    ConfigError,
    CredentialsError,
    SourceError,
)
from workbench.frames import _registry
from workbench.frames._bundle import Frames
from workbench.frames._decode import concat, gc_paused
from workbench.sources._kinds import BY_FRAME, Kind
from workbench.sources._protocol import ClusterSource, Missing

_UNREACHABLE = (ApiUnreachableError, CredentialsError)


@dataclass(frozen=True, slots=True)
class _Outcome:
    kind: Kind
    frames: dict[str, pd.DataFrame]
    error: SourceError | None = None


def pull(source: ClusterSource, frames: Iterable[str] | None = None, *, workers: int = 4) -> Frames:
    """Read the cluster's state from ``source`` into a `Frames` bundle.

    Kinds are listed concurrently; each kind's pages are decoded as they arrive, so memory holds
    one raw page per worker plus the frames. A kind that cannot be read is recorded in
    ``Frames.missing`` (``forbidden`` for RBAC, ``absent`` when not served, ``error`` otherwise,
    a page that does not decode included) and the pull goes on with the others.

    A cluster that cannot be reached at all is an error, not an empty bundle: when ``/version``
    fails with `ApiUnreachableError` or `CredentialsError`, that error is raised before any list
    is tried; when every kind fails and one of the failures is of those two types, it is raised.

    Args:
        source: where to read (a live API, a snapshot file or the sandbox).
        frames: the frames wanted (``["pods", "nodes"]``); ``None`` for every frame that has a
            builder. A frame pulls the kind that feeds it, and that kind's sibling frames come
            along (asking for ``containers`` also builds ``pods``). ``conditions`` pulls every
            custom resource the source serves.
        workers: how many kinds are listed at once.

    Returns:
        The bundle; frames not asked for are empty with their schema.

    Raises:
        ConfigError: ``workers`` is not positive.
        KeyError: a frame name is unknown or not built from list pages.
        ApiUnreachableError, CredentialsError: the cluster cannot be read at all.

    Example:
        >>> frames = pull(source, ["pods", "nodes"])  # doctest: +SKIP
        >>> frames.pods.groupby("node", observed=True).cpu_request.sum()  # doctest: +SKIP
    """
    if workers < 1:
        raise ConfigError(f"workers must be a positive number of concurrent lists, not {workers}")
    keys = _registry.sources_of(frames) if frames is not None else tuple(_registry.builders)
    captured_at = datetime.now(UTC)
    try:
        version = dict(source.server_version())
    except _UNREACHABLE:
        raise
    except SourceError:
        version = {}
    kinds = [BY_FRAME[key] for key in keys if key != _registry.CUSTOM_RESOURCES]
    missing: list[Missing] = []
    if _registry.CUSTOM_RESOURCES in keys:
        try:
            kinds.extend(source.custom_kinds())
        except SourceError as exc:
            missing.extend(_missing(_registry.CUSTOM_RESOURCES, exc))
    outcomes = _run(source, kinds, workers)
    failures = [o.error for o in outcomes if o.error is not None]
    if kinds and len(failures) == len(outcomes):
        unreachable = [e for e in failures if isinstance(e, _UNREACHABLE)]
        if unreachable:
            raise unreachable[0]
    built: dict[str, list[pd.DataFrame]] = {}
    for outcome in outcomes:
        if outcome.error is not None:
            missing.extend(
                _missing(outcome.kind.frame, outcome.error, custom=_registry.is_custom(outcome.kind))
            )
        for name, df in outcome.frames.items():
            built.setdefault(name, []).append(df)
    for key in keys:  # a frame whose every kind failed (or had none to read) stays empty
        for name in _registry.produces(key):
            built.setdefault(name, [])
    result = {name: concat(name, parts) if len(parts) != 1 else parts[0] for name, parts in built.items()}
    return Frames(
        result, missing=missing, source=source.name, captured_at=captured_at, server_version=version
    )


def _run(source: ClusterSource, kinds: list[Kind], workers: int) -> list[_Outcome]:
    if not kinds:
        return []
    pool = ThreadPoolExecutor(max_workers=min(workers, len(kinds)), thread_name_prefix="workbench-pull")
    try:
        futures: list[Future[_Outcome]] = [pool.submit(_one, source, kind) for kind in kinds]
        return [f.result() for f in futures]
    finally:
        # On an interrupt, drop the kinds not started yet instead of listing them all first.
        pool.shutdown(wait=True, cancel_futures=True)


def _one(source: ClusterSource, kind: Kind) -> _Outcome:
    try:
        with gc_paused():  # for the whole kind: see _decode.gc_paused
            return _Outcome(kind, _registry.builder_for(kind)(kind, source.list_pages(kind)))
    except SourceError as exc:
        return _Outcome(kind, {}, exc)
    except msgspec.DecodeError as exc:
        error = SourceError(
            f"the {kind.kind} list could not be decoded ({exc}); the source sent a malformed page"
        )
        return _Outcome(kind, {}, error)


def _missing(key: str, error: SourceError, *, custom: bool = False) -> list[Missing]:
    if custom:  # one custom resource failed: name it, the conditions frame keeps the others
        return [Missing.of(key, error)]
    return [Missing.of(frame, error) for frame in _registry.produces(key) or (key,)]
