"""Which failed attempts retrying can fix, and which it never will: those fail at once, with the reason.

Retried: network errors, timeouts, HTTP 408, 429 and 5xx, SMTP 4xx, and what is the service's own
configuration rather than the delivery (SMTP authentication, the server's TLS). Failed at once: an
event that does not parse, an e-mail that cannot be written (a bad address), SMTP 5xx about the
message or its recipients, a webhook URL requests cannot use, a certificate that does not verify,
and HTTP answers other than those above (410 disables the endpoint, see webhooks.judge).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator

import requests

from notifications.deliveries import Verdict

RETRYABLE_HTTP_CODES = frozenset({408, 429})
UNUSABLE_URL_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.URLRequired,
)


def http_code_verdict(code: int) -> Verdict:
    """Retry an HTTP answer that may change (408, 429, 5xx); any other non-2xx fails for good."""
    return Verdict.RETRY if code in RETRYABLE_HTTP_CODES or code >= 500 else Verdict.FAILED


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3's `reason`)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        reason = getattr(exc, "reason", None)
        exc = exc.__cause__ or exc.__context__ or (reason if isinstance(reason, BaseException) else None)


def request_error_verdict(exc: requests.RequestException) -> Verdict:
    """A URL requests cannot use, or a certificate that does not verify, fails; the rest retries."""
    if isinstance(exc, UNUSABLE_URL_ERRORS):
        return Verdict.FAILED
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes(exc)):
        return Verdict.FAILED
    return Verdict.RETRY


def smtp_error_verdict(exc: Exception) -> Verdict:
    """SMTP said no for good (5xx) about the message or every recipient; 4xx, network, auth retry."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Verdict.RETRY  # the service's credentials: an operator fixes them, the mail can wait
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
    else:
        permanent = isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
    return Verdict.FAILED if permanent else Verdict.RETRY
