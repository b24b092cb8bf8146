"""The errors Go's parsers give for the JSON strings that carry a value of their own.

A Go struct field decoded from a JSON string is sometimes parsed further, and kube-apiserver returns
the parser's error text as it is:

* ``[]byte`` is base64 (``encoding/base64.StdEncoding``): ``illegal base64 data at input byte 6``;
* ``metav1.Time`` and ``metav1.MicroTime`` go through ``time.Parse`` with the RFC 3339 layout (with
  exactly six fractional digits for MicroTime):
  ``parsing time "2024-01-01 10:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse " 10:00:00" as "T"``;
* ``metav1.Duration`` goes through ``time.ParseDuration``: ``time: invalid duration "soon"``.

Each function returns None when the text parses. Go works on bytes, so offsets and quoted excerpts
are in UTF-8 bytes, as Go prints them.

Example:
    >>> time_problem("2024-02-30T00:00:00Z")
    'parsing time "2024-02-30T00:00:00Z": day out of range'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

__all__ = ["base64_problem", "duration_problem", "time_problem"]

_B64: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_NEWLINES: Final = frozenset(b"\r\n")
_PAD: Final = ord("=")
_DIGITS: Final = frozenset(b"0123456789")
_NUMBER: Final = _DIGITS | {ord(".")}

RFC3339: Final = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO: Final = "2006-01-02T15:04:05.000000Z07:00"
# The layouts as Go's nextStdChunk splits them: (literal before the element, element).
_DATE_TIME: Final = (("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"))
# What each two-digit element holds and its range; a day is checked against its month at the end.
_RANGES: Final = {
    "01": ("month", 1, 12),
    "02": ("day", 0, 99),
    "15": ("hour", 0, 23),
    "04": ("minute", 0, 59),
    "05": ("second", 0, 59),
}
_FRACTION: Final = ".000000"
_ZONE: Final = "Z07:00"

_UNITS: Final = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX_DURATION: Final = 1 << 63


def base64_problem(value: str) -> str | None:
    """Go's ``base64.StdEncoding`` error for `value`, or None when it decodes.

    Walks the input quantum by quantum like Go's decoder so the reported byte offset matches.
    """
    src = value.encode()
    si, n = 0, len(src)
    while True:
        j = 0
        while j < 4:
            if si == n:
                return None if j == 0 else _b64_error(si - j)
            ch = src[si]
            si += 1
            if ch in _B64:
                j += 1
                continue
            if ch in _NEWLINES:
                continue
            if ch != _PAD or j < 2:
                return _b64_error(si - 1)
            if j == 2:  # "==" expected: the second "=" must follow
                si = _skip_newlines(src, si)
                if si == n:
                    return _b64_error(n)
                if src[si] != _PAD:
                    return _b64_error(si - 1)
                si += 1
            si = _skip_newlines(src, si)
            return _b64_error(si) if si < n else None


def _skip_newlines(src: bytes, si: int) -> int:
    while si < len(src) and src[si] in _NEWLINES:
        si += 1
    return si


def _b64_error(offset: int) -> str:
    return f"illegal base64 data at input byte {offset}"


def time_problem(value: str, *, micro: bool = False) -> str | None:
    """``time.Parse(RFC3339, value)``'s error (``RFC3339Micro`` when `micro`), or None when it parses.

    Go's general parser is followed element by element (it accepts a one-digit hour and extra
    fractional seconds after a Time's seconds), with its range checks and its final day check.
    """
    layout = RFC3339_MICRO if micro else RFC3339
    src = value.encode()
    chunks = (*_DATE_TIME, *((("", _FRACTION),) if micro else ()), ("", _ZONE))
    got: dict[str, int] = {}
    for prefix, element in chunks:
        if prefix:
            if not src.startswith(prefix.encode()):
                return _cannot_parse(value, layout, src, prefix)
            src = src[len(prefix) :]
        rest, out_of_range = _element(element, src, got, fraction_next=micro)
        if out_of_range:
            return f"parsing time {_quote(value.encode())}: {out_of_range} out of range"
        if rest is None:
            return _cannot_parse(value, layout, src, element)
        src = rest
    if src:
        return f"parsing time {_quote(value.encode())}: extra text: {_quote(src)}"
    if not 1 <= got["day"] <= _days_in(got["month"], got["year"]):
        return f"parsing time {_quote(value.encode())}: day out of range"
    return None


def _element(
    element: str, src: bytes, got: dict[str, int], *, fraction_next: bool
) -> tuple[bytes | None, str]:
    """Parse one layout element: (the rest, or None when it does not parse; a range error)."""
    if element == "2006":
        if len(src) < 4 or not set(src[:4]) <= _DIGITS:
            return None, ""
        got["year"] = int(src[:4])
        return src[4:], ""
    if element == _FRACTION:
        return _fraction(src)
    if element == _ZONE:
        return _zone(src)
    fixed = element != "15"  # "15" is the only element that takes one digit
    num = _getnum(src, fixed=fixed)
    if num is None:
        return None, ""
    number, rest = num
    name, low, high = _RANGES[element]
    got[name] = number
    if not low <= number <= high:
        return rest, name
    if name == "second" and not fraction_next and len(rest) >= 2 and rest[0] in b".," and rest[1] in _DIGITS:
        # A fraction the layout does not have is read and dropped.
        n = 2
        while n < len(rest) and rest[n] in _DIGITS:
            n += 1
        rest = rest[n:]
    return rest, ""


def _fraction(src: bytes) -> tuple[bytes | None, str]:
    """``.000000``: exactly six digits after a period or comma."""
    if len(src) < 7 or src[0] not in b".,":
        return None, ""
    digits = src[1:7]
    negative = digits[:1] == b"-"
    if digits[:1] in (b"-", b"+"):
        digits = digits[1:]
    if not set(digits) <= _DIGITS:
        return None, ""
    return src[7:], "fractional second" if negative and digits.strip(b"0") else ""


def _zone(src: bytes) -> tuple[bytes | None, str]:
    """``Z07:00``: ``Z`` or ``±hh:mm`` (Go lets the hour reach 24 and the minute 60)."""
    if src[:1] == b"Z":
        return src[1:], ""
    if len(src) < 6 or src[3] != ord(":"):
        return None, ""
    hours, minutes = _getnum(src[1:3], fixed=True), _getnum(src[4:6], fixed=True)
    hour = hours[0] if hours else 0
    minute = minutes[0] if hours and minutes else 0
    if minute > 60:
        return src[6:], "time zone offset minute"
    if hour > 24:
        return src[6:], "time zone offset hour"
    if hours is None or minutes is None or src[0] not in b"+-":
        return None, ""
    return src[6:], ""


def _getnum(src: bytes, *, fixed: bool) -> tuple[int, bytes] | None:
    """Go's getnum: one or two leading digits (exactly two when `fixed`)."""
    if not src or src[0] not in _DIGITS:
        return None
    if len(src) < 2 or src[1] not in _DIGITS:
        return None if fixed else (src[0] - 48, src[1:])
    return (src[0] - 48) * 10 + src[1] - 48, src[2:]


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _cannot_parse(value: str, layout: str, src: bytes, element: str) -> str:
    return (
        f"parsing time {_quote(value.encode())} as {_quote(layout.encode())}: "
        f"cannot parse {_quote(src)} as {_quote(element.encode())}"
    )


def duration_problem(value: str) -> str | None:
    """``time.ParseDuration(value)``'s error, or None when it parses (``1h30m``, ``-1.5s``, ``0``)."""
    src = value.encode()
    invalid = f"time: invalid duration {_quote(src)}"
    rest = src[1:] if src[:1] in (b"-", b"+") else src
    if rest == b"0":
        return None
    if not rest:
        return invalid
    total = 0
    while rest:
        if rest[0] not in _NUMBER:
            return invalid
        whole, rest = _split(rest, lambda b: b in _DIGITS)
        fraction = b""
        if rest[:1] == b".":
            fraction, rest = _split(rest[1:], lambda b: b in _DIGITS)
        if not whole and not fraction:  # ".s" has no digits at all
            return invalid
        unit, rest = _split(rest, lambda b: b not in _NUMBER)
        if not unit:
            return f"time: missing unit in duration {_quote(src)}"
        scale = _UNITS.get(unit.decode(errors="replace"))
        if scale is None:
            return f"time: unknown unit {_quote(unit)} in duration {_quote(src)}"
        total += int(whole or b"0") * scale + int(fraction or b"0") * scale // 10 ** len(fraction)
        if total > _MAX_DURATION:
            return invalid
    if total == _MAX_DURATION and src[:1] != b"-":  # only a negative duration reaches -2^63
        return invalid
    return None


def _split(src: bytes, keep: Callable[[int], bool]) -> tuple[bytes, bytes]:
    """The longest prefix of bytes `keep` accepts, and the rest."""
    i = 0
    while i < len(src) and keep(src[i]):
        i += 1
    return src[:i], src[i:]


def _quote(src: bytes) -> str:
    """The ``quote`` of Go's time package: ASCII as is, other bytes as ``\\xNN``."""
    out = ['"']
    for b in src:
        if b >= 0x80 or b < 0x20:
            out.append(f"\\x{b:02x}")
        else:
            out.append(("\\" if b in b'"\\' else "") + chr(b))
    out.append('"')
    return "".join(out)
