"""JSON-value helpers shared by the three patch engines.

The engines work on plain JSON-decoded values (dict, list, str, int, float, bool, None). Python
compares ``True == 1`` and hashes them alike, which JSON does not, so equality and set membership
go through `json_key`. Error messages quote values the way Go's ``%v`` prints them, because the
real API server formats its patch errors with Go's fmt package and users compare the two.
"""

from __future__ import annotations

from typing import Any

import orjson

from workbench.errors import SandboxApiError
from workbench.sandbox._gojson import go_type_name

JsonKey = tuple[str, Any]

# The message of every 422 kube-apiserver sends for a patch it cannot apply: it builds the error with
# `NewGenericServerResponse(422, ...)`, which keeps this fixed sentence and drops the library's reason.
REJECTED = "the server rejected our request due to an error in our request"


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON value; much faster than `copy.deepcopy` for plain dicts and lists."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def json_key(value: Any) -> JsonKey:
    """A hashable key such that two JSON values have equal keys exactly when they are equal JSON."""
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        # 1 and 1.0 are the same JSON number.
        return ("number", float(value) if isinstance(value, float) and not value.is_integer() else int(value))
    if isinstance(value, str):
        return ("string", value)
    return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def json_equal(left: Any, right: Any) -> bool:
    """Whether two JSON values are equal (``true`` is not ``1``; ``1`` is ``1.0``)."""
    return json_key(left) == json_key(right)


def go_reflect_type(value: Any) -> str:
    """The Go type name of a decoded JSON value, as ``reflect.TypeOf`` prints it."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "<nil>"


def go_format(value: Any) -> str:
    """`value` as Go's ``%v`` prints a decoded JSON value: ``map[image:nginx name:api]``, ``[a b]``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, dict):
        items = " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value))
        return f"map[{items}]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    return str(value)


def bad_request(message: str) -> SandboxApiError:
    """The 400 ``BadRequest`` error the API server returns for a malformed patch body."""
    return SandboxApiError(400, "BadRequest", message)


def invalid(message: str) -> SandboxApiError:
    """The 422 ``Invalid`` error the API server returns for a patch it cannot apply."""
    return SandboxApiError(422, "Invalid", message)


def not_an_object(value: Any) -> SandboxApiError:
    """The error for a merge or strategic merge patch body that is not a JSON object.

    The wording is what kube-apiserver returns when it decodes the body into a map (kubectl 1.32
    sends ``fieldValidation=Strict``, which takes this path).
    """
    return bad_request(
        "error decoding patch: json: cannot unmarshal "
        f"{go_type_name(value)} into Go value of type map[string]interface {{}}"
    )
