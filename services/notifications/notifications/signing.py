"""Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the secret's bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from notifications.models import SECRET_PREFIX


def secret_bytes(secret: str) -> bytes:
    """The key inside a `whsec_<base64>` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<signature>` for the message."""
    mac = hmac.new(secret_bytes(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signature_header(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per valid secret, space-separated (for rotation)."""
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)
