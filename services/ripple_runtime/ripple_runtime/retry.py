"""The one retry policy of Ripple, and its defaults: consumers, notification deliveries, the relay.

    EVENT_RETRY        a consumer's failed event: 5 retries, 2 s doubling to at most 300 s, jittered
    DELIVERY_SCHEDULE  a webhook or e-mail: 5, 30, 120, 600, 3600 s (their number is the cap);
                       a receiver's Retry-After wins when it asks for longer, up to the longest step
    RELAY_BACKOFF      the relay without a broker: 0.5 s doubling to at most 30 s, jittered, forever
    OUTBOX_REFUSED     an outbox row the broker refuses (nack, unroutable): 2 s doubling to at most
                       300 s, jittered; parked after 10 attempts (outbox_refusals(n) for another cap)

Each can be tuned from the environment (README: configuration); the settings helpers read it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped; or an explicit schedule of delays in seconds."""

    max_retries: int | None = 5  # None: retry forever
    base_delay: float = 2.0
    max_delay: float = 300.0
    schedule: Sequence[float] = ()
    jitter: float = 0.25  # each delay is drawn from [(1 - jitter) * delay, delay]

    @classmethod
    def from_schedule(cls, schedule: Sequence[float], *, jitter: float = 0.0) -> RetryPolicy:
        """A policy that follows `schedule` and gives up after its last step."""
        return cls(
            max_retries=len(schedule), max_delay=max(schedule), schedule=tuple(schedule), jitter=jitter
        )

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds before retry number `attempt` (1-based), or None once the policy gives up.

        A `retry_after` the other side asked for (HTTP Retry-After) wins when it is longer,
        up to `max_delay`.
        """
        if self.max_retries is not None and attempt > self.max_retries:
            return None
        if self.schedule:
            delay = self.schedule[min(attempt, len(self.schedule)) - 1]
        else:
            delay = self.base_delay * 2 ** min(attempt - 1, 64)  # no float overflow after long outages
        if retry_after is not None:
            delay = max(delay, retry_after)
        delay = min(delay, self.max_delay)
        return delay * random.uniform(1 - self.jitter, 1.0)  # noqa: S311 - jitter, not crypto

    def countdown(self, attempt: int, retry_after: float | None = None) -> int:
        """Whole seconds before retry `attempt`, never below one (Celery's countdown)."""
        delay = self.delay(attempt, retry_after)
        return max(1, round(delay if delay is not None else self.max_delay))


EVENT_RETRY = RetryPolicy(max_retries=5, base_delay=2.0, max_delay=300.0)
DELIVERY_SCHEDULE: tuple[int, ...] = (5, 30, 120, 600, 3600)
RELAY_BACKOFF = RetryPolicy(max_retries=None, base_delay=0.5, max_delay=30.0, jitter=0.2)
OUTBOX_MAX_ATTEMPTS = 10
OUTBOX_REFUSED = RetryPolicy(max_retries=OUTBOX_MAX_ATTEMPTS - 1, base_delay=2.0, max_delay=300.0)


def outbox_refusals(max_attempts: int) -> RetryPolicy:
    """OUTBOX_REFUSED with another cap: a row refused `max_attempts` times is parked, not retried."""
    if max_attempts < 1:
        raise ValueError(f"an outbox row needs at least one attempt, not {max_attempts}")
    return replace(OUTBOX_REFUSED, max_retries=max_attempts - 1)
