"""Values a plan needs from a person: `PlanInput`, ``${name}`` placeholders, and filling them in.

Some fixes turn on a fact the cluster does not hold: which tags the registry has, which bucket an
export writes to. A planner never guesses such a value into a step. It writes a placeholder
``${name}`` into the step's string parameters and declares a `PlanInput` saying what to give, with a
suggestion when the evidence points at one. A plan with inputs cannot be dry-run or applied until
`Plan.fill` has replaced them; the filled plan is checked again step by step and has its own digest,
so an approval covers the values given. Only declared names are placeholders: ``${HOME}`` in a
ConfigMap value stays literal text.

Example:
    >>> needs = PlanInput("tag", "a tag the registry has")
    >>> substitute({"image": "catalog:${tag}"}, {"tag": "2.14.1"})
    {'image': 'catalog:2.14.1'}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import ConfigError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
MAX_VALUE = 4096
"""Longest value a person may give for one input (characters)."""


@dataclass(frozen=True, slots=True)
class PlanInput:
    """A value the plan needs from a person before it can run.

    Attributes:
        name: the placeholder's name (an identifier: ``${tag}`` in a step's string parameters).
        prompt: what to give, for a person (``a tag of registry.shop.example/catalog that exists``).
        suggestion: a candidate the evidence points at, shown but never used unless it is given.
    """

    name: str
    prompt: str
    suggestion: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ConfigError(
                f"plan input name {self.name!r} is not an identifier (letters, digits, _; e.g. 'tag')"
            )

    @property
    def placeholder(self) -> str:
        """``${name}``: what a step's parameters hold in place of the value."""
        return "${" + self.name + "}"

    def to_dict(self) -> dict[str, str]:
        """Plain JSON-ready data."""
        return {"name": self.name, "prompt": self.prompt, "suggestion": self.suggestion}

    @classmethod
    def from_dict(cls, data: Any) -> PlanInput:
        """The input `to_dict` wrote.

        Raises:
            ConfigError: the data is not an input.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise ConfigError(f"not a plan input: expected an object with a name, got {data!r:.200}")
        return cls(data["name"], str(data.get("prompt") or ""), str(data.get("suggestion") or ""))

    def __str__(self) -> str:
        hint = f" (suggestion: {self.suggestion})" if self.suggestion else ""
        return f"{self.name}: {self.prompt}{hint}"


def used(value: Any, names: Iterable[str]) -> set[str]:
    """The ``names`` whose placeholder appears in any string inside ``value`` (plain JSON data)."""
    wanted = {"${" + name + "}": name for name in names}
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            found.update(name for token, name in wanted.items() if token in item)
        elif isinstance(item, Mapping):
            for child in item.values():
                walk(child)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)

    walk(value)
    return found


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` (plain JSON data) with every ``${name}`` of ``values`` replaced in its strings."""
    if isinstance(value, str):
        for name, given in values.items():
            value = value.replace("${" + name + "}", given)
        return value
    if isinstance(value, Mapping):
        return {key: substitute(child, values) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(child, values) for child in value]
    return value


def check_value(item: PlanInput, value: Any) -> str:
    """``value`` if a person may give it for ``item``.

    Raises:
        ConfigError: not a string, empty, too long, with a control character, or a placeholder itself.
    """
    hint = f"; suggestion: {item.suggestion!r}" if item.suggestion else ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"plan input {item.name} needs a non-empty string: {item.prompt}{hint}")
    if len(value) > MAX_VALUE:
        raise ConfigError(f"plan input {item.name} is {len(value)} characters; at most {MAX_VALUE}")
    if not value.isprintable() or "${" in value:
        raise ConfigError(f"plan input {item.name} must be printable text without '${{': got {value!r:.100}")
    return value
