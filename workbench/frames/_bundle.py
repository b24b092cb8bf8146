"""`Frames`: every frame pulled from one source at one moment, and what could not be read."""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime

import pandas as pd

from workbench.errors import ConfigError
from workbench.frames import schema
from workbench.sources._protocol import Missing

BUNDLE_ATTR = "workbench.bundle"
"""The ``df.attrs`` key under which a frame keeps its bundle's key (never the bundle itself)."""

# Frames point to their bundle by key only: pandas copies ``attrs`` into every derived frame
# (deep copies in some versions), so storing the bundle there would copy every frame on each
# filter. The registry holds bundles weakly, so a bundle lives exactly as long as its user keeps it.
_BUNDLES: weakref.WeakValueDictionary[str, Frames] = weakref.WeakValueDictionary()


def bundled_frames() -> tuple[str, ...]:
    """The frames a bundle carries: every frame list pages feed, and ``logs`` (log tails read for
    analysis, e.g. of failing containers; empty unless the caller adds them)."""
    return tuple(
        name for name, frame in schema.FRAMES.items() if frame.FED_BY is not None or name == schema.Logs.FRAME
    )


class Frames:
    """Every frame pulled from one source, one attribute per frame (``frames.pods``).

    A frame that was not pulled, or whose kind could not be read, is empty with its full schema,
    so analyzers never test for presence; ``missing`` says which kinds could not be read and why.

    Attributes:
        missing: the kinds that could not be read (forbidden, absent, error).
        source: the source's name (context or snapshot path).
        captured_at: when the pull started (UTC).
        server_version: the server's ``/version`` document (empty when it could not be read).
        pulled: the frames that were built (the rest are empty because they were not asked for).

    Example:
        >>> from workbench.frames import Frames, schema
        >>> frames = Frames({}, source="nowhere")
        >>> len(frames.pods), list(frames["pods"].columns[:4])
        (0, ['kind', 'namespace', 'name', 'uid'])
    """

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        missing: Iterable[Missing] = (),
        source: str = "",
        captured_at: datetime | None = None,
        server_version: Mapping[str, str] | None = None,
    ) -> None:
        """Bundle ``frames`` (each validated against its schema; absent ones become empty).

        Raises:
            KeyError: a frame name is not one a bundle carries.
            FrameSchemaError: a frame does not match its schema.
        """
        known = bundled_frames()
        for name, df in frames.items():
            if name not in known:
                raise KeyError(f"a bundle carries no frame {name!r}; known: {', '.join(known)}")
            schema.validate(name, df)
        self._key = uuid.uuid4().hex
        self._frames: dict[str, pd.DataFrame] = {}
        for name in known:
            df = frames[name] if name in frames else schema.empty(name)
            df.attrs[BUNDLE_ATTR] = self._key
            self._frames[name] = df
        self.pulled: tuple[str, ...] = tuple(name for name in known if name in frames)
        self.missing: tuple[Missing, ...] = tuple(sorted(missing, key=lambda m: (m.frame, m.reason)))
        self.source = source
        self.captured_at = captured_at or datetime.now(UTC)
        self.server_version: dict[str, str] = dict(server_version or {})
        _BUNDLES[self._key] = self

    def __getattr__(self, name: str) -> pd.DataFrame:
        # Only reached when normal lookup fails; reading __dict__ avoids recursion before __init__ ran.
        frames: dict[str, pd.DataFrame] = self.__dict__.get("_frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(f"Frames has no frame {name!r}; frames: {', '.join(bundled_frames())}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        """The frame called ``name``; raises KeyError naming the frames."""
        try:
            return self._frames[name]
        except KeyError:
            raise KeyError(f"no frame {name!r}; frames: {', '.join(self._frames)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._frames

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._frames})

    def names(self) -> tuple[str, ...]:
        """Every frame's name, in schema order."""
        return tuple(self._frames)

    def missing_for(self, frame: str) -> Missing | None:
        """Why ``frame`` could not be read, or None when it was (or was not asked for)."""
        return next((m for m in self.missing if m.frame == frame), None)

    def __repr__(self) -> str:
        version = self.server_version.get("gitVersion", "")
        head = f"Frames from {self.source or '?'} at {self.captured_at:%Y-%m-%dT%H:%M:%SZ}"
        lines = [head + (f", server {version}" if version else "")]
        counts = [f"{name} {len(self._frames[name])}" for name in self.pulled]
        lines.append("  " + (" · ".join(counts) if counts else "(nothing pulled)"))
        for m in self.missing:
            lines.append(f"  missing {m.frame}: {m.reason} ({m.message})")
        return "\n".join(lines)


def bundle_of(df: pd.DataFrame) -> Frames:
    """The bundle ``df`` (or a frame derived from it) came from.

    Raises:
        ConfigError: ``df`` was not pulled into a bundle, or its bundle no longer exists.
    """
    key = df.attrs.get(BUNDLE_ATTR)
    if key is None:
        raise ConfigError(
            "this DataFrame did not come from a Frames bundle, so related objects cannot be looked up; "
            "use a frame from workbench.frames.pull(...) (e.g. frames.pods), or a slice of one"
        )
    bundle = _BUNDLES.get(str(key))
    if bundle is None:
        raise ConfigError(
            "the Frames bundle this DataFrame came from no longer exists; keep a reference to the "
            "bundle (frames = pull(source)) while you use its frames"
        )
    return bundle
