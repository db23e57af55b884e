"""The delivery tasks, all on the service's own queue (`notifications.*` routes there).

`deliver_batch` makes the first attempt of many deliveries to one subscriber, in event order,
over one keep-alive connection: a Celery message per delivery would cost more than the POST.
A batch of a few deliveries skips that task: the process that committed them makes the same
first attempts at once (`first_attempts`, called by notifications.handlers).
Every delivery that needs a retry becomes a task of its own (`deliver_webhook` / `send_email`)
that retries itself on NOTIFICATIONS_RETRY_SCHEDULE through Celery's native delayed delivery.
A delivery that already succeeded, failed or was disabled is never tried again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass

from celery import Task
from django.conf import settings
from django.utils import timezone

from notifications import deliveries, emails, webhooks
from notifications.deliveries import AttemptLog, AttemptResult, Verdict
from notifications.models import Delivery
from notifications_site.celery import app
from ripple_runtime.tracing import hooks

logger = logging.getLogger(__name__)
TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": None,  # the schedule is the cap: deliveries.retry_delay says when to stop
    "soft_time_limit": 60,
    "time_limit": 90,
}
SUCCESSES_WRITTEN_TOGETHER = 25
SWITCHED_OFF = {
    Delivery.Channel.WEBHOOK: "the webhook endpoint is switched off",
    Delivery.Channel.EMAIL: "the e-mail recipient is switched off",
}


@dataclass(frozen=True)
class Attempted:
    """An attempt's result and, if it is to be retried, in how many seconds."""

    result: AttemptResult
    countdown: int | None


def sender(channel: str):
    """A context giving the send function of a channel (e-mail shares one SMTP connection)."""
    if channel == Delivery.Channel.EMAIL:
        return emails.smtp_session()
    return contextlib.nullcontext(webhooks.send)


def attempt(delivery: Delivery, send, attempt_log: AttemptLog) -> Attempted | None:
    """Try a claimed delivery once and log it; None when its subscriber is switched off."""
    subscriber = delivery.endpoint if delivery.channel == Delivery.Channel.WEBHOOK else delivery.recipient
    if not subscriber.is_active:
        deliveries.close_without_attempt([delivery], Delivery.Status.DISABLED, SWITCHED_OFF[delivery.channel])
        return None
    attempted_at = timezone.now()
    try:
        with hooks.delivering(delivery.channel, delivery.payload):  # the event's ids and trace go on
            result = send(delivery)
    except Exception as exc:  # a bug or an outage we did not foresee: log it and retry like any failure
        logger.exception("delivery %s failed unexpectedly", delivery.pk)
        result = AttemptResult(Verdict.RETRY, 0, error=f"{type(exc).__name__}: {exc}")
    return Attempted(result, attempt_log.record(delivery, result, attempted_at))


def hand_off(channel: str, rest: list[Delivery], countdown: int) -> None:
    """Release deliveries a batch did not try and give each its own task."""
    deliveries.release(rest)
    for delivery in rest:
        TASK_OF_CHANNEL[channel].apply_async(args=[str(delivery.pk)], countdown=countdown or None)


def deliver_one(task: Task, channel: str, delivery_id: str) -> str:
    """Claim one delivery, try it, and retry the task on the schedule while it asks for one."""
    claimed = deliveries.claim([delivery_id], task.request.id or delivery_id)
    if not claimed:
        return "skipped"
    with sender(channel) as send, AttemptLog() as attempt_log:
        attempted = attempt(claimed[0], send, attempt_log)
    if attempted is None:
        return Delivery.Status.DISABLED
    if attempted.countdown is not None:
        raise task.retry(countdown=attempted.countdown, exc=RuntimeError(attempted.result.error or "retry"))
    return attempted.result.verdict.value


def first_attempts(channel: str, delivery_ids: list[str], claimer: str) -> dict:
    """First attempts of deliveries to one subscriber, in order; after a failure the rest back off with it.

    Run by `deliver_batch`, or at once by the worker process that committed a few deliveries
    (notifications.handlers); `claimer` holds the claims meanwhile.
    """
    claimed = deliveries.claim(delivery_ids, claimer)
    deadline = time.monotonic() + settings.NOTIFICATIONS_BATCH_SECONDS
    done = 0
    with sender(channel) as send, AttemptLog(SUCCESSES_WRITTEN_TOGETHER) as attempt_log:
        for index, delivery in enumerate(claimed):
            if time.monotonic() > deadline:
                hand_off(channel, claimed[index:], 0)
                break
            attempted = attempt(delivery, send, attempt_log)
            done += attempted is not None
            if attempted is None or attempted.result.verdict is Verdict.GONE:
                rest = claimed[index + 1 :]
                deliveries.close_without_attempt(rest, Delivery.Status.DISABLED, SWITCHED_OFF[channel])
                break
            if attempted.countdown is not None:
                TASK_OF_CHANNEL[channel].apply_async(args=[str(delivery.pk)], countdown=attempted.countdown)
                hand_off(channel, claimed[index + 1 :], attempted.countdown)
                break
    return {"claimed": len(claimed), "attempted": done}


@app.task(name="notifications.deliver_batch", **TASK_OPTIONS)
def deliver_batch(self: Task, channel: str, delivery_ids: list[str]) -> dict:
    """First attempts of deliveries to one subscriber (`first_attempts`), claimed under this task's id."""
    return first_attempts(channel, delivery_ids, self.request.id)


@app.task(name="notifications.deliver_webhook", **TASK_OPTIONS)
def deliver_webhook(self: Task, delivery_id: str) -> str:
    """POST one delivery, signed, to its webhook endpoint; retry on the schedule."""
    return deliver_one(self, Delivery.Channel.WEBHOOK, delivery_id)


@app.task(name="notifications.send_email", **TASK_OPTIONS)
def send_email(self: Task, delivery_id: str) -> str:
    """E-mail one delivery to its recipient; retry on the schedule."""
    return deliver_one(self, Delivery.Channel.EMAIL, delivery_id)


TASK_OF_CHANNEL = {Delivery.Channel.WEBHOOK: deliver_webhook, Delivery.Channel.EMAIL: send_email}
