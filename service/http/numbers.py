"""Whole numbers read from what a client sent: query strings, form fields, cookies, tokens."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

# 18 digits always fit SQLite's signed 64-bit INTEGER; a longer number is no id, count or limit of
# ours, and Python refuses to parse more than 4,300 digits at all.
MAX_DIGITS = 18


def whole_number(text: str) -> int | None:
    """`text` as a non-negative integer if it is 1 to 18 ASCII digits, else None.

    `str.isdigit()` alone is not enough: it is true for "²" or "①", which `int()` refuses.
    """
    if 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None


class IdConvertor(Convertor[int]):
    """`{name:id}` in a route: 1 to 18 digits. Starlette's `int` takes any number of digits and
    fails in the router (a 500) on more than Python parses; a longer id here matches no route."""

    regex = f"[0-9]{{1,{MAX_DIGITS}}}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
