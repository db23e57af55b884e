"""The life of a delivery: claim it, record each attempt, decide whether and when to retry.

Shared by webhooks and e-mail. A claim is a short lease on the row, so two task messages for
the same delivery never send at once; the task that holds it (same Celery task id across its
retries) may take it again after its worker died mid-attempt.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import receipts
from notifications.models import Delivery, DeliveryAttempt, WebhookEndpoint
from ripple_runtime import metrics
from ripple_runtime.retry import RetryPolicy

OPEN_STATUSES = (Delivery.Status.PENDING, Delivery.Status.RETRYING)
ERROR_LENGTH = 500


class Verdict(Enum):
    """What an attempt's answer means for the delivery."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"


@dataclass(frozen=True)
class AttemptResult:
    """The answer to one attempt: its verdict, HTTP code, error, the receiver's Retry-After."""

    verdict: Verdict
    latency_ms: int
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None


def lease() -> timedelta:
    """How long a claim holds: longer than a batch of first attempts or a single attempt can take."""
    slowest = max(settings.NOTIFICATIONS_WEBHOOK_TIMEOUT, settings.EMAIL_TIMEOUT)
    return timedelta(seconds=settings.NOTIFICATIONS_BATCH_SECONDS + 3 * slowest + 30)


def claim(delivery_ids: list[str], claimer: str) -> list[Delivery]:
    """Take the open deliveries among these, in the order given; done, gone or held ones are left out."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=claimer)
    Delivery.objects.filter(free, pk__in=delivery_ids, status__in=OPEN_STATUSES).update(
        claimed_by=claimer, claimed_until=now + lease(), updated_at=now
    )
    mine = Delivery.objects.select_related("endpoint", "recipient").filter(
        pk__in=delivery_ids, claimed_by=claimer, status__in=OPEN_STATUSES
    )
    order = {str(pk): index for index, pk in enumerate(delivery_ids)}
    return sorted(mine, key=lambda delivery: order[str(delivery.pk)])


def release(deliveries: list[Delivery]) -> None:
    """Give up claims without an attempt, so another task may take the deliveries."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        claimed_by="", claimed_until=None, updated_at=timezone.now()
    )


def retry_delay(attempt_number: int, retry_after: float | None) -> int | None:
    """Seconds until the next attempt from NOTIFICATIONS_RETRY_SCHEDULE, or None once it is used up.

    A receiver's Retry-After wins when it asks for longer, up to the schedule's longest step
    (ripple_runtime.retry: the one retry policy).
    """
    delay = RetryPolicy.from_schedule(settings.NOTIFICATIONS_RETRY_SCHEDULE).delay(
        attempt_number, retry_after
    )
    return None if delay is None else math.ceil(delay)


def close_without_attempt(deliveries: list[Delivery], status: str, reason: str) -> None:
    """End deliveries that will never be tried (their subscriber was switched off)."""
    pks = [d.pk for d in deliveries]
    with transaction.atomic():
        closing = receipts.lock_events(pks)
        Delivery.objects.filter(pk__in=pks).update(
            status=status,
            last_error=reason[:ERROR_LENGTH],
            claimed_by="",
            claimed_until=None,
            updated_at=timezone.now(),
        )
        receipts.report_settled(closing)


def judge_attempt(delivery: Delivery, result: AttemptResult) -> tuple[str, int | None, str]:
    """The attempt's outcome, the retry countdown (None when done) and the error to log."""
    number = delivery.attempt_count + 1
    delay = retry_delay(number, result.retry_after) if result.verdict is Verdict.RETRY else None
    error = result.error
    if result.verdict is Verdict.RETRY and delay is None:
        error = f"gave up after {number} attempts: {error}"
    retry_outcome = DeliveryAttempt.Outcome.FAILED if delay is None else DeliveryAttempt.Outcome.RETRYING
    outcome = {
        Verdict.DELIVERED: DeliveryAttempt.Outcome.SUCCEEDED,
        Verdict.GONE: DeliveryAttempt.Outcome.DISABLED,
        Verdict.FAILED: DeliveryAttempt.Outcome.FAILED,
        Verdict.RETRY: retry_outcome,
    }[result.verdict]
    return outcome, delay, error[:ERROR_LENGTH]


class AttemptLog:
    """Writes attempts and their deliveries' new state: successes in groups, anything else at once.

    Grouping saves two round trips and a commit per delivery on the busy path; a crash loses
    at most `group_size` success records, and those deliveries are sent again (at least once).
    """

    def __init__(self, group_size: int = 1):
        """Buffer up to `group_size` successes before writing them."""
        self.group_size = group_size
        self._attempts: list[DeliveryAttempt] = []
        self._changes: dict[tuple, list] = defaultdict(list)
        self._disable: dict[int, str] = {}
        self._successes = 0

    def __enter__(self) -> AttemptLog:
        """Start buffering."""
        return self

    def __exit__(self, *exc_info) -> None:
        """Write whatever is buffered, even when leaving on an error (those attempts happened)."""
        self.flush()

    def record(self, delivery: Delivery, result: AttemptResult, attempted_at: datetime) -> int | None:
        """Log one attempt; return the retry countdown, or None when the delivery is done."""
        outcome, delay, error = judge_attempt(delivery, result)
        metrics.notification_attempt(
            delivery.channel, outcome, result.status_code, delivery.payload, attempted_at
        )
        self._attempts.append(
            DeliveryAttempt(
                delivery_id=delivery.pk,
                number=delivery.attempt_count + 1,
                attempted_at=attempted_at,
                outcome=outcome,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=error,
                retry_in_seconds=delay,
            )
        )
        # the outcomes are named like the statuses they lead to
        self._changes[outcome, result.status_code, error, delay].append(delivery.pk)
        if result.verdict is Verdict.GONE and delivery.endpoint_id:
            self._disable[delivery.endpoint_id] = error
        self._successes += result.verdict is Verdict.DELIVERED
        if result.verdict is not Verdict.DELIVERED or self._successes >= self.group_size:
            self.flush()
        return delay

    def flush(self) -> None:
        """Write the buffered attempts and delivery changes in one transaction."""
        if not self._attempts:
            return
        now = timezone.now()
        closing_pks = [
            pk
            for (outcome, *_), pks in self._changes.items()
            if outcome != DeliveryAttempt.Outcome.RETRYING
            for pk in pks
        ]
        with transaction.atomic():
            closing = receipts.lock_events(closing_pks)
            DeliveryAttempt.objects.bulk_create(self._attempts)
            for (outcome, status_code, error, delay), pks in self._changes.items():
                Delivery.objects.filter(pk__in=pks).update(
                    status=outcome,
                    attempt_count=F("attempt_count") + 1,
                    last_status_code=status_code,
                    last_error=error,
                    next_attempt_at=now + timedelta(seconds=delay) if delay is not None else None,
                    delivered_at=now if outcome == DeliveryAttempt.Outcome.SUCCEEDED else None,
                    claimed_by="",
                    claimed_until=None,
                    updated_at=now,
                )
            for endpoint_id, reason in self._disable.items():
                WebhookEndpoint.objects.filter(pk=endpoint_id).update(
                    is_active=False, disabled_reason=reason[:300], updated_at=now
                )
            receipts.report_settled(closing)
        self._attempts, self._changes, self._disable, self._successes = [], defaultdict(list), {}, 0
