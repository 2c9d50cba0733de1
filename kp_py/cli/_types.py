"""The types of ``kp``'s arguments and options (click types whose refusals are one line), and the
one-line usage error: shared by every command through :mod:`kp_py.cli._options`."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import click

from kp_py._text import printable
from kp_py.errors import KPError


class UsageError(click.UsageError):
    """Bad usage, told in one line (``kp: ...``) rather than click's usage block."""

    def show(self, file: Any = None) -> None:
        click.echo(f"kp: {printable(self.format_message())}", err=True)


class BadValue(click.BadParameter):
    """A value of an argument or option that cannot be read, told in one line naming it."""

    def show(self, file: Any = None) -> None:
        click.echo(f"kp: {printable(self.format_message())}", err=True)


class ParamType(click.ParamType):
    """A click type whose refusals are one line (:class:`BadValue`)."""

    def fail(
        self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None
    ) -> NoReturn:
        raise BadValue(message, ctx=ctx, param=param)


class CodeType(ParamType):
    """A participant's ISO 3166-1 alpha-2 code, in any case: ``ae`` is ``AE``."""

    name = "CODE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().upper()
        if len(text) != 2 or not text.isascii() or not text.isalpha():
            self.fail(f"{value!r} is not a two-letter ISO 3166-1 code", param, ctx)
        return text


class AddressType(ParamType):
    """A 0x address, in EIP-55 form once read."""

    name = "ADDRESS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from eth_utils import is_address, to_checksum_address

        if not is_address(value):
            self.fail(f"{value!r} is not a 0x address", param, ctx)
        return str(to_checksum_address(value))


class NumberType(ParamType):
    """A certificate number in any case, or its token id: the token id (:func:`token_id_of`)."""

    name = "NUMBER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from kp_py.records import token_id_of

        try:
            return token_id_of(value)
        except KPError as error:
            self.fail(str(error), param, ctx)


class TimeType(ParamType):
    """``now``, Unix seconds (``@1732060800``, or ten digits or more), an ISO date (midnight UTC, also
    written ``20241120``) or an ISO date and time: Unix seconds. Eight digits are a date, never
    seconds: a mistaken ``--from 20241120`` must not mean 1970."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_time(str(value))
        except ValueError:
            self.fail(
                f"{value!r} is not a date (2013-05-23), a time (2024-11-20T10:00Z), "
                "Unix seconds (@1732060800) or 'now'",
                param,
                ctx,
            )


def parse_time(text: str) -> int:
    """:class:`TimeType`'s reading of ``text``, in Unix seconds; ``ValueError`` if it is none."""
    if text == "now":
        return int(datetime.now(timezone.utc).timestamp())
    if text.startswith("@") and text[1:].isdigit():
        return int(text[1:])
    if text.isdigit() and len(text) >= 10:
        return int(text)
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if "T" in text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


class DurationType(ParamType):
    """Seconds, or ``30m``, ``24h``, ``7d``: seconds."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        try:
            if text[-1:] in _UNITS:
                return int(text[:-1]) * _UNITS[text[-1]]
            return int(text)
        except ValueError:
            self.fail(f"{text!r} is not a duration like 3600, 30m, 24h or 7d", param, ctx)


class AmountType(ParamType):
    """Carats or US dollars with two decimals, like ``1250.50``: the text, checked."""

    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from kp_py import _fields

        text = str(value).strip()
        try:
            _fields.amount({"amount": text}, "amount", positive=True)
        except KPError as error:
            self.fail(getattr(error, "problem", str(error)), param, ctx)
        return text


CODE, ADDRESS, NUMBER, TIME, DURATION = CodeType(), AddressType(), NumberType(), TimeType(), DurationType()
AMOUNT = AmountType()


class ExistingFile(click.Path):
    """A file that must exist, refused in one line (:class:`BadValue`) like every other value."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False, path_type=Path)

    def fail(
        self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None
    ) -> NoReturn:
        raise BadValue(message, ctx=ctx, param=param)


FILES = ExistingFile()


def utc(seconds: int) -> datetime:
    """Unix seconds as a UTC time, shown without its zone."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
