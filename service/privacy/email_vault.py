"""Email privacy: "Your email address will not be published."

The address is encrypted at rest (AES-256-GCM from `cryptography`; older rows hold Fernet tokens,
which stay readable), found only through a keyed hash (HMAC-SHA256), and the public avatar comes
from a second keyed hash so it cannot be reversed or matched against the look-up hash.
Email addresses and phone numbers typed into the comment text are masked before anything is
published or stored in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from service.runtime.random_pool import random_pool

KEY_FILE_NAME = "secret.key"
# What starts an AES-GCM token: `AESGCM_PREFIX + nonce + ciphertext and tag`. A Fernet token is
# base64url text (it starts with "gAAAA"), so it can never start with this byte: both kinds can be
# told apart in one column, and rows written before AES-GCM stay readable.
AESGCM_PREFIX = b"\x01"
NONCE_BYTES = 12


def load_or_create_master_key(configured: str, data_dir: Path) -> bytes:
    """The master key from configuration, or from the data folder's key file, made on first start.

    The key file is created with mode 0600 because whoever reads it can decrypt every address.
    """
    if configured:
        return _decode_key(configured)
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return _decode_key(path.read_text().strip())
    data_dir.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.urlsafe_b64encode(key).decode() + "\n")
    return key


def _decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text.encode())
    if len(key) < 32:
        raise ValueError("the secret key must be at least 32 bytes, base64-encoded")
    return key


def derive_key(master: bytes, purpose: bytes) -> bytes:
    # Separate keys per purpose: leaking the avatar key must not help decrypt or look up addresses.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def signature_matches(given: str, expected: str) -> bool:
    """A signature a client sent back, compared in constant time with the one we make.

    Ours are ASCII; `hmac.compare_digest` raises TypeError on a non-ASCII `str`, which a client can
    send, so such a signature is simply not ours.
    """
    return given.isascii() and hmac.compare_digest(given, expected)


def normalize_email(address: str) -> str:
    """The form of an address that look-ups compare: trimmed and lower-cased."""
    return address.strip().lower()


class EmailVault:
    """Encrypts, decrypts, hashes and masks commenters' email addresses.

    New tokens are AES-256-GCM (authenticated, like Fernet) in one call into `cryptography`'s Rust
    core: a tenth of Fernet's cost, which builds a CBC cipher, an HMAC and base64 text for every
    comment. The nonce is random (96 bits); one key stays far below the 2^32 encryptions at which
    random GCM nonces would risk a repeat. Fernet tokens written earlier still decrypt.
    """

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(derive_key(master_key, b"email-aead"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(master_key, b"email-encryption")))
        # Keyed once: each hash copies the keyed state instead of keying HMAC again (a third cheaper).
        self._lookup_mac = hmac.new(derive_key(master_key, b"email-lookup"), digestmod=hashlib.sha256)
        self._avatar_mac = hmac.new(derive_key(master_key, b"email-avatar"), digestmod=hashlib.sha256)

    def encrypt(self, address: str) -> bytes:
        return self._seal(address.encode())

    def decrypt(self, token: bytes) -> str | None:
        plain = self._open(token)
        return plain.decode() if plain is not None else None

    def encrypt_text(self, text: str) -> bytes:
        """Encrypts an original comment text that held contact details, so nothing sent is lost."""
        return self._seal(text.encode())

    def decrypt_text(self, token: bytes) -> str | None:
        return self.decrypt(token)

    def _seal(self, plain: bytes) -> bytes:
        nonce = random_pool.take(NONCE_BYTES)  # unique per token, which is all GCM asks of a nonce
        return AESGCM_PREFIX + nonce + self._aead.encrypt(nonce, plain, None)

    def _open(self, token: bytes) -> bytes | None:
        """The plain bytes of an AES-GCM or Fernet token; None for a wrong key or a damaged token."""
        token = bytes(token)
        try:
            if token.startswith(AESGCM_PREFIX):
                start = len(AESGCM_PREFIX)
                nonce = token[start : start + NONCE_BYTES]
                return self._aead.decrypt(nonce, token[start + NONCE_BYTES :], None)
            return self._fernet.decrypt(token)
        except (InvalidTag, InvalidToken, ValueError):
            return None

    def lookup_hash(self, address: str) -> str:
        """The keyed hash the store finds an address by (never an unsalted digest)."""
        return _keyed_hex(self._lookup_mac, address)

    def avatar_hash(self, address: str) -> str:
        return _keyed_hex(self._avatar_mac, address)[:32]


def _keyed_hex(keyed: hmac.HMAC, address: str) -> str:
    mac = keyed.copy()
    mac.update(normalize_email(address).encode())
    return mac.hexdigest()


def mask_email(address: str) -> str:
    """`jane@example.com` -> `j•••@example.com`: what a moderator without reveal rights sees."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


# Addresses typed into comment text; deliberately looser than the form's validator so that
# "jane at example dot com" style evasions are not the only thing a spammer needs.
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Spelled-out addresses ("jane at example dot com", "jane [at] example [dot] com"). Plain prose
# such as "look at example.com" must not match, so "at" needs brackets or a spelled "dot".
_TLD = r"(?:com|org|net|info|biz|io|co|uk|de|fr)"
_EMAIL_SPELLED = re.compile(
    rf"\b[\w.+-]+\s*[\[(]\s*at\s*[\])]\s*[\w-]+\s*(?:[\[(]\s*dot\s*[\])]|\.|\s+dot\s+)\s*{_TLD}\b"
    rf"|\b[\w.+-]+\s+at\s+[\w-]+\s+dot\s+{_TLD}\b",
    re.IGNORECASE,
)
# Phone numbers in the shapes people type them. Plain runs of numbers separated by spaces
# ("2013 2014 2015") are left alone: years and prices are not contact details.
_PHONE_IN_TEXT = re.compile(
    r"""(?<![\w+])(?:
        (?:\+|00)\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}      # international, with + or 00
      | (?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}  # North American
      | \d(?:[.-]?\d){9,14}                             # long digit runs
    )(?!\w)""",
    re.VERBOSE,
)

EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"


@dataclass(frozen=True)
class MaskedText:
    text: str
    emails: int
    phones: int

    @property
    def changed(self) -> bool:
        return bool(self.emails or self.phones)


# What each pattern above cannot match without: an "@"; "[at]"/"(at)" or " dot "; a digit (any
# script's, as `\d` is). Most comments lack some of these, and looking for them costs a fraction of
# the full patterns, which try every word of a long text. `_may_spell_email` checks for a bracket
# or "dot" first (substring tests, nearly free) before the finer search.
_SPELLED_NEEDS = re.compile(r"[\[(]\s*at\s*[\])]|\sdot\s", re.IGNORECASE)
_PHONE_NEEDS = re.compile(r"\d")


def _may_spell_email(text: str) -> bool:
    # `lower()` keeps every case variant of "dot" that IGNORECASE matches (only ASCII letters do).
    return ("(" in text or "[" in text or "dot" in text.lower()) and _SPELLED_NEEDS.search(text) is not None


def mask_contacts(text: str) -> MaskedText:
    """Masks email addresses and phone numbers typed into a comment (privacy rule 4)."""
    emails = spelled = phones = 0
    if "@" in text:
        text, emails = _EMAIL_IN_TEXT.subn(EMAIL_MASK, text)
    if _may_spell_email(text):
        text, spelled = _EMAIL_SPELLED.subn(EMAIL_MASK, text)
    if _PHONE_NEEDS.search(text):
        text, phones = _PHONE_IN_TEXT.subn(PHONE_MASK, text)
    return MaskedText(text=text, emails=emails + spelled, phones=phones)
