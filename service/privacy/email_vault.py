"""Email privacy: "Your email address will not be published."

The address is encrypted at rest (AES-256-GCM from `cryptography`; Fernet tokens in a column are
read too), found only through a keyed hash (HMAC-SHA256), and the public avatar comes
from a second keyed hash so it cannot be reversed or matched against the look-up hash.
Contact details typed into a comment's text are masked by `service.privacy.contacts`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import tempfile
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
# told apart in one column and both are read.
AESGCM_PREFIX = b"\x01"
NONCE_BYTES = 12


def load_or_create_master_key(configured: str, data_dir: Path) -> bytes:
    """The master key from configuration, or from the data folder's key file, made on first start.

    The key file is readable by its owner only (mode 0600) because whoever reads it can decrypt every
    address. Processes starting at once all end with the same key: each writes a complete key to a
    file of its own and hard-links it to the key file's name, which succeeds for exactly one of them;
    the others read the winner's key. The name never points at a partly written file.
    """
    if configured:
        return _decode_key(configured)
    path = data_dir / KEY_FILE_NAME
    try:
        return _decode_key(path.read_text().strip())
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    fd, candidate = tempfile.mkstemp(prefix=f".{KEY_FILE_NAME}.", dir=data_dir)  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.urlsafe_b64encode(key).decode() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(candidate, path)
        except FileExistsError:
            return _decode_key(path.read_text().strip())
    finally:
        os.unlink(candidate)
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

    Tokens are written as AES-256-GCM (authenticated, like Fernet) in one call into `cryptography`'s Rust
    core: a tenth of Fernet's cost, which builds a CBC cipher, an HMAC and base64 text for every
    comment. The nonce is random (96 bits); one key stays far below the 2^32 encryptions at which
    random GCM nonces would risk a repeat. Fernet tokens decrypt too.
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
