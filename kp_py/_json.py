"""The one reader of JSON that a user or a file hands kp: bounded before it is parsed, strict when it is.

A certificate document, an issued or signed file, an upload to the page, a deployments file or a
keystore is at most 1 MB and nests at most 32 levels (counted by a scan, before the parser, whose
recursion crashes the interpreter where py-evm raised the recursion limit); its integers fit in 78
digits (a uint256); NaN, Infinity and duplicate keys are refused (with two ``carats`` keys, which one
counts depends on the reader). Each refusal is a ``DocumentError`` of one line naming the problem.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kp_py.errors import DocumentError

MAX_BYTES = 1_000_000  # 1 MB
MAX_DEPTH = 32
MAX_DIGITS = 78  # 2**256 - 1 has 78 digits
# A string (to its end, if it has none), or a bracket outside strings.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.S)


class _Refused(Exception):
    """Raised inside the parser's hooks; becomes a DocumentError."""


def loads_strict(text: str | bytes, *, source: str | None = None) -> Any:
    """Parse ``text`` as JSON within kp's bounds, or raise ``DocumentError`` (field ``(file)``, and
    ``source``, a file's name, if given) naming the problem."""
    try:
        if len(text) > MAX_BYTES:
            raise _Refused(f"is {len(text):,} bytes; kp reads JSON of at most 1 MB")
        if isinstance(text, bytes):
            text = _utf8(text)
        _check_depth(text)
        return json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_int=_integer,
            parse_float=_float,
        )
    except _Refused as refusal:
        raise DocumentError("(file)", str(refusal), source) from None
    except json.JSONDecodeError as error:
        raise DocumentError("(file)", f"not JSON: {error.msg} at line {error.lineno}", source) from None


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Refused(f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def _check_depth(text: str) -> None:
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(f"nests deeper than {MAX_DEPTH} levels")
        elif bracket in ("]", "}"):
            depth -= 1  # unbalanced text is the parser's to refuse


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _Refused(f"key {key!r} is given twice")
        data[key] = value
    return data


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _integer(digits: str) -> int:
    count = len(digits.lstrip("-"))
    if count > MAX_DIGITS:
        raise _Refused(f"an integer of {count:,} digits is too long (at most {MAX_DIGITS})")
    return int(digits)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text[:20]} is out of range")
    return value
