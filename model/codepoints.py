"""A batch of texts as one numpy array of code points, with character classes and hashing.

Feature extraction works on whole batches at once: the texts are joined with NUL separators
and encoded to UTF-32, so that counting characters, finding words and hashing n-grams are a
few numpy operations per batch instead of many Python or regex calls per comment. Python's
own ``str`` predicates define the classes (a table for the Basic Multilingual Plane, built
once), so "a word character" here means exactly what ``\\w`` means to :mod:`re`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SEP = "\x00"  # between texts of a batch; a NUL inside a text becomes a space first
SPACE_CODE = 32

WORD = 1  # str.isalnum() or "_": the characters of re's \w
ALPHA = 2
UPPER = 4
LOWER = 8
DIGIT = 16  # str.isdecimal(): re's \d
SPACE = 32  # str.isspace()
# Small sets the features test for (one flag test beats np.isin on a batch).
LATIN = 64  # a-z: the letters leetspeak and spaced-out words are made of (after case folding)
LEET = 128  # characters leetspeak puts in place of letters
SPACER = 256  # what spaced-out letters are spaced with: "f r e e", "c.a.s.h", "f-r-e-e"
PUNCT = 512  # punctuation whose repetition is a shouting signal
CURRENCY = 1024  # currency signs and "/" ("$5/day")
UNIT = 2048  # first letters of amounts' units after a number: 5k, 10 usd, 20 eur
EXCLAMATION = 4096
AT = 8192  # "@": e-mail addresses
MARKUP = 16384  # "[" and "<": BBCode and HTML links

_SETS = {
    LATIN: "abcdefghijklmnopqrstuvwxyz",
    LEET: "0134578@$!|€",
    SPACER: " ._*-",
    PUNCT: "!?.$*",
    CURRENCY: "$€£¥/",
    UNIT: "kKuUeE",
    EXCLAMATION: "!",
    AT: "@",
    MARKUP: "[<",
}


def _flags(ch: str) -> int:
    return (
        (WORD if ch.isalnum() or ch == "_" else 0)
        | (ALPHA if ch.isalpha() else 0)
        | (UPPER if ch.isupper() else 0)
        | (LOWER if ch.islower() else 0)
        | (DIGIT if ch.isdecimal() else 0)
        | (SPACE if ch.isspace() else 0)
        | sum(flag for flag, chars in _SETS.items() if ch in chars)
    )


# 128 KiB, built in ~150 ms at import: one gather classifies a whole batch.
_BMP = np.array([_flags(chr(c)) if not 0xD800 <= c < 0xE000 else 0 for c in range(0x10000)], dtype=np.uint16)


def classes(codes: np.ndarray) -> np.ndarray:
    """Flags (:data:`WORD` | :data:`ALPHA` | ...) of each code point."""
    if len(codes) == 0 or int(codes.max()) < 0x10000:
        return _BMP.take(codes)
    out = _BMP.take(np.minimum(codes, 0xFFFF))
    astral = np.flatnonzero(codes >= 0x10000)
    # Emoji and other astral characters: a few per comment, classified once per process.
    out[astral] = [_astral_flags(c) for c in codes[astral].tolist()]
    return out


@lru_cache(maxsize=1 << 16)
def _astral_flags(code: int) -> int:
    return _flags(chr(code))


def encode(text: str) -> np.ndarray:
    """Code points of ``text`` as ``uint32``."""
    # surrogatepass: a lone surrogate (possible from a JSON "\\ud83d" escape) is data, not an error.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def decode(codes: np.ndarray) -> str:
    return codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def doc_ids(codes: np.ndarray) -> np.ndarray:
    """For a :data:`SEP`-joined batch: the index of the text each position belongs to (a
    separator counts with the text after it)."""
    return np.cumsum(codes == 0)


def shifted(mask: np.ndarray, by: int, fill: bool = False) -> np.ndarray:
    """``mask`` moved ``by`` positions (``out[i] = mask[i - by]``), padded with ``fill``."""
    out = np.empty_like(mask)
    if by > 0:
        out[:by] = fill
        out[by:] = mask[: len(mask) - by]
    elif by < 0:
        out[by:] = fill
        out[:by] = mask[-by:]
    else:
        out[:] = mask
    return out


def member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted, non-empty set, without isin's overhead."""
    found = np.searchsorted(sorted_set, values)
    return sorted_set[np.minimum(found, len(sorted_set) - 1)] == values


# 64-bit polynomial hashing (wrapping arithmetic) followed by a murmur-style finalizer.
P = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xC4CEB9FE1A85EC53)
_S29 = np.uint64(29)
_S33 = np.uint64(33)


def buckets(h: np.ndarray, n: int) -> np.ndarray:
    """Hashes -> columns in ``[0, n)``, evenly spread; ``h`` is overwritten.

    For a power of two (what the model uses) multiplicative hashing takes the top bits of
    ``h * golden``: two passes over the array instead of a full finalizer and a modulo.
    """
    h ^= h >> _S29
    h *= _GOLDEN
    if n & (n - 1) == 0:
        h >>= np.uint64(64 - (n.bit_length() - 1))
    else:
        h ^= h >> _S33
        h *= _MIX
        h %= np.uint64(n)
    return h.astype(np.int64)


def powers(n: int) -> np.ndarray:
    """``P**k`` modulo 2**64 for k < n."""
    out = np.empty(n, dtype=np.uint64)
    value, mask = 1, (1 << 64) - 1
    for k in range(n):
        out[k] = value
        value = (value * int(P)) & mask
    return out
