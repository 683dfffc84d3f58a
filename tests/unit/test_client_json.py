"""The JSON depth limit: counted on the bytes without recursion, brackets in strings left out."""

from __future__ import annotations

import json
import time

import pytest

from service.http.client_json import MAX_DEPTH, TooDeeplyNested, loads_client_json, nesting_depth_exceeds


@pytest.mark.parametrize(
    "raw, too_deep",
    [
        (b"[]", False),
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, False),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), True),
        (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), True),
        (b'["' + b"[" * 5000 + b'"]', False),  # brackets inside a string are text
        (b'["\\"' + b"[" * 5000 + b'"]', False),  # an escaped quote does not end the string
        (b"[" + b"[1]," * 10_000 + b"[1]]", False),  # wide, not deep
        (b"[" * 100_000, True),  # never closed: too deep all the same
    ],
)
def test_nesting_depth(raw: bytes, too_deep: bool) -> None:
    assert nesting_depth_exceeds(raw) is too_deep


def test_loads_client_json_refuses_deep_nesting_before_decoding() -> None:
    assert loads_client_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    for raw in ("[" * 200_000, '{"a":' * 50_000, b"[" * 1_000_000):
        with pytest.raises(TooDeeplyNested):
            loads_client_json(raw)
    with pytest.raises(json.JSONDecodeError):
        loads_client_json("[" * 20 + "1,,2" + "]" * 20)  # shallow but broken: the decoder refuses it
    with pytest.raises(json.JSONDecodeError):  # an unclosed string runs to the end: its brackets are text
        loads_client_json('"' + "[" * 100_000)


def test_a_megabyte_of_brackets_is_measured_quickly() -> None:
    wide = b"[" + b"[1]," * 250_000 + b"[1]]"
    started = time.process_time()
    assert not nesting_depth_exceeds(wide)
    assert time.process_time() - started < 1.0  # the decoder itself takes longer on it
