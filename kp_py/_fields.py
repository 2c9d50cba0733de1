"""Reading the fields of a document kp takes (a certificate, registered production, a paper
certificate) from JSON: each reader returns the value or raises a ``DocumentError`` naming the field
and what is wrong with it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from eth_utils import is_address, is_checksum_address, to_checksum_address

from kp_py.errors import DocumentError

HS_CODES = {"7102.10": 10, "7102.21": 21, "7102.31": 31}
MAX_ORIGINS = 8
LAST_YEAR = 2105  # certificate times are stored in 32 bits: until 2106-02-07
UINT40 = 2**40 - 1
CODE = re.compile(r"[A-Z]{2}")
ORIGIN = re.compile(r"[A-Z]{2}(/[A-Za-z0-9][A-Za-z0-9 .'-]*)?")
AMOUNT = re.compile(r"[0-9]{1,13}\.[0-9]{2}")


def exact_fields(data: Any, names: tuple[str, ...], what: str) -> None:
    if not isinstance(data, Mapping):
        raise DocumentError(f"({what})", "must be a JSON object")
    missing = [f for f in names if f not in data]
    if missing:
        raise DocumentError(missing[0], "is missing")
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise DocumentError(unknown[0], f"is not a {what} field")


def route_and_dates(data: Mapping[str, Any], exporting: str, importing: str) -> tuple[date, date]:
    """A certificate's, paper or digital: two participants, and an expiry after its issue."""
    if importing == exporting:
        raise DocumentError("importing", f"must differ from the exporting participant {exporting}")
    issued, expires = day(data, "issued"), day(data, "expires")
    if expires <= issued:
        raise DocumentError("expires", f"{expires} is not after the issue date {issued}")
    return issued, expires


def day_start(day: date) -> int:
    """Unix time of the start of ``day``, UTC."""
    return int(datetime.combine(day, time(), tzinfo=timezone.utc).timestamp())


def text(data: Mapping[str, Any], field: str) -> str:
    value = data[field]
    if not isinstance(value, str):
        raise DocumentError(field, f"must be a string, not {json_type(value)}")
    return value


def code(data: Mapping[str, Any], field: str) -> str:
    value = text(data, field)
    if not CODE.fullmatch(value):
        raise DocumentError(field, f"{value!r} is not a two-letter ISO 3166-1 code")
    return value


def origins(data: Mapping[str, Any], field: str = "origins") -> tuple[str, ...]:
    value = data["origins"]
    if not isinstance(value, list):
        raise DocumentError(field, f"must be a list of codes, not {json_type(value)}")
    if not 1 <= len(value) <= MAX_ORIGINS:
        raise DocumentError(field, f"must name 1 to {MAX_ORIGINS} origins, not {len(value)}")
    for origin in value:
        if not isinstance(origin, str) or not ORIGIN.fullmatch(origin) or len(origin) > 32:
            raise DocumentError(field, f"{origin!r} is not CODE or CODE/zone (ASCII, 32 at most)")
    if len(set(value)) != len(value):
        raise DocumentError(field, "names an origin twice")
    return tuple(value)


def amount(data: Mapping[str, Any], field: str, *, positive: bool) -> int:
    value = data[field]
    if not isinstance(value, str) or not AMOUNT.fullmatch(value):
        raise DocumentError(field, f"must be a decimal string with 2 places, like '1234.50', not {value!r}")
    try:
        hundredths = int(Decimal(value) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise DocumentError(field, f"{value!r} is not a number") from None
    if positive and hundredths == 0:
        raise DocumentError(field, "must be more than 0.00")
    if hundredths > UINT40:
        raise DocumentError(field, f"{value} is more than the largest amount, {Decimal(UINT40) / 100}")
    return hundredths


def parcels(data: Mapping[str, Any]) -> int:
    value = data["parcels"]
    if not isinstance(value, int) or isinstance(value, bool):
        raise DocumentError("parcels", f"must be an integer, not {json_type(value)}")
    if not 1 <= value < 2**32:
        raise DocumentError("parcels", f"must be between 1 and {2**32 - 1}, not {value}")
    return value


def hs_code(data: Mapping[str, Any]) -> str:
    value = text(data, "hs_code")
    if value not in HS_CODES:
        raise DocumentError("hs_code", f"{value!r} is not a rough-diamond code ({', '.join(HS_CODES)})")
    return value


def day(data: Mapping[str, Any], field: str) -> date:
    value = text(data, field)
    try:
        if len(value) != 10 or value[4] != "-" or not value.replace("-", "").isascii():
            raise ValueError
        parsed = date.fromisoformat(value)
    except ValueError:
        raise DocumentError(field, f"{value!r} is not a date YYYY-MM-DD") from None
    if parsed.year > LAST_YEAR:
        raise DocumentError(field, f"{value} is after {LAST_YEAR}, the last year the chain can store")
    return parsed


def holder(data: Mapping[str, Any]) -> str:
    value = text(data, "holder")
    if not is_address(value) or not value.startswith("0x"):
        raise DocumentError("holder", f"{value!r} is not a 0x wallet address")
    if value != value.lower() and value[2:] != value[2:].upper() and not is_checksum_address(value):
        raise DocumentError("holder", f"{value!r} has a wrong EIP-55 checksum (mixed case)")
    if int(value, 16) == 0:
        raise DocumentError("holder", "the zero address cannot hold a certificate")
    return to_checksum_address(value)


def is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    if value is None:
        return "null"
    return names.get(type(value), "an object")
