"""What a webhook URL may look like: one rule for the API that stores it and the worker that calls it.

Django's URLValidator, widened to single-label hosts (`http://hooks:9000/in`): a service name on a
compose or Kubernetes network, which URLValidator refuses for want of a top-level domain. Whether
the host may be reached at all is the address guard's concern, not this one's.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_SINGLE_LABEL_URL = re.compile(rf"^https?://{_LABEL}(?::[0-9]{{1,5}})?(?:[/?#][^\s]*)?\Z", re.IGNORECASE)
_url_validator = URLValidator(schemes=["http", "https"], message="Enter a valid URL.")


def validate_webhook_url(url: str) -> None:
    """Raise ValidationError unless `url` is http(s) with a valid host (a single label too) and port."""
    if not _SINGLE_LABEL_URL.match(url):
        _url_validator(url)
    try:
        port = urlsplit(url).port
    except ValueError as exc:
        raise ValidationError("Enter a valid URL (the port is out of range).") from exc
    if port == 0:
        raise ValidationError("Enter a valid URL (port 0 receives nothing).")
