"""Keyed pseudonyms (HMAC-SHA256), never a plain hash, computed inside DuckDB.

HMAC is written out in SQL (RFC 2104: ``H((K ^ opad) || H((K ^ ipad) || m))``) because DuckDB
has sha256 but no hmac function, and computing it in the engine keeps ingestion streaming;
``hmac_python`` is the reference it is tested against.
"""

from __future__ import annotations

import hashlib
import hmac

BLOCK = 64


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_python(key: bytes, message: str) -> str:
    """HMAC-SHA256 of a UTF-8 message, hex."""
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_sql(key: bytes, message_sql: str) -> str:
    """A DuckDB SQL expression: the hex HMAC-SHA256 of the VARCHAR expression ``message_sql``."""
    inner, outer = _pads(key)
    return (f"sha256(unhex('{outer.hex()}') || unhex(sha256(unhex('{inner.hex()}') "
            f"|| encode({message_sql}))))")
