"""Object templates with holes, compiled to builder functions: stamp out thousands of variants fast.

Building a 7 KB pod dict field by field, or decoding its JSON, costs far more than evaluating one
nested dict display. So each kind of object is built once with placeholder strings and compiled into
a Python function whose body is that object as a literal: holes become lookups in a values mapping,
and subtrees without holes become references to one shared constant.

Consequence for callers: rendered objects share their hole-free subtrees (probes, env entries,
most of managedFields) with every other object from the same template. Every dict or list on a path
to a hole, which includes each object's top level and metadata, is new per render. Treat the shared
parts as read-only (the sandbox's store encodes each object at once, so it never notices).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

_HOLE = re.compile(r"@@(#?)(\w+)@@")
_QUOTED_NUMBER = re.compile(r'"@@#(\w+)@@"')


def hole(name: str) -> str:
    """A placeholder for a string value, or part of one: the value is inserted as a string."""
    return f"@@{name}@@"


def number(name: str) -> str:
    """A placeholder for a whole non-string value (a number): the value is inserted as it is."""
    return f"@@#{name}@@"


class Template:
    """An object with placeholders, compiled once, rendered many times.

    Attributes:
        names: the placeholder names `render` needs values for.
    """

    def __init__(self, obj: dict[str, Any]) -> None:
        self._constants: list[Any] = []
        names: set[str] = set()
        body, _ = self._expression(obj, names)
        namespace: dict[str, Any] = {"C": self._constants}
        # The source is generated from our own template objects only: every string in it is a repr()
        # of a template string and every name a placeholder matched by _HOLE.
        exec(compile(f"def build(v):\n    return {body}\n", "<template>", "exec"), namespace)  # noqa: S102
        self._build: Callable[[Mapping[str, object]], dict[str, Any]] = namespace["build"]
        self.names = frozenset(names)

    def _expression(self, value: Any, names: set[str]) -> tuple[str, bool]:
        """Python source building `value`, and whether it has a placeholder (else it is shared)."""
        if isinstance(value, str):
            return self._string(value, names)
        if isinstance(value, (dict, list)) and b"@@" not in orjson.dumps(value):
            # Most of a pod (probes, env, managedFields) has no placeholder: one scan in C decides it.
            self._constants.append(value)
            return f"C[{len(self._constants) - 1}]", False
        if isinstance(value, dict):
            parts = [(self._expression(k, names), self._expression(v, names)) for k, v in value.items()]
            source = "{" + ", ".join(f"{k}: {v}" for (k, _), (v, _) in parts) + "}"
            dynamic = any(k_dynamic or v_dynamic for (_, k_dynamic), (_, v_dynamic) in parts)
        elif isinstance(value, list):
            items = [self._expression(v, names) for v in value]
            source = "[" + ", ".join(s for s, _ in items) + "]"
            dynamic = any(d for _, d in items)
        else:
            return repr(value), False
        if dynamic:
            return source, True
        self._constants.append(value)
        return f"C[{len(self._constants) - 1}]", False

    @staticmethod
    def _string(value: str, names: set[str]) -> tuple[str, bool]:
        if "@@" not in value:
            return repr(value), False
        whole = _HOLE.fullmatch(value)
        if whole is not None:
            numeric, name = whole.groups()
            names.add(name)
            return (f"v[{name!r}]" if numeric else f"str(v[{name!r}])"), True
        # A number inside JSON embedded in a string (a managedFields key such as
        # k:{"containerPort":8080,...}) was encoded quoted; it is written bare.
        value = _QUOTED_NUMBER.sub(r"@@#\1@@", value)
        pieces, arguments, position = [], [], 0
        for match in _HOLE.finditer(value):
            names.add(match.group(2))
            pieces.append(value[position : match.start()].replace("%", "%%") + "%s")
            arguments.append(f"v[{match.group(2)!r}]")
            position = match.end()
        pieces.append(value[position:].replace("%", "%%"))
        return f"({''.join(pieces)!r} % ({', '.join(arguments)},))", True

    def render(self, values: Mapping[str, object]) -> dict[str, Any]:
        """A new object with every placeholder replaced (hole-free subtrees are shared).

        Raises:
            KeyError: a placeholder without a value.
        """
        return self._build(values)
