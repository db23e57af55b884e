"""How every scenario ends: wait until nothing is left anywhere, print the counts, check duplicates."""

from __future__ import annotations

import time

from ripple_testing.processes import wait_until
from tests_e2e.faults.outcome import Outcome
from tests_e2e.faults.system import WholeSystem


def settled(system: WholeSystem, ids: list[int], name: str, timeout: float = 120) -> Outcome:
    """Wait until no effect is missing, then a little longer so that late duplicates show too."""
    started = time.monotonic()
    try:
        wait_until(lambda: not system.outcome(ids).lost(), timeout=timeout, what=f"{name}: every effect")
    finally:
        outcome = system.outcome(ids)
        print(
            f"\n[{name}] after {time.monotonic() - started:.1f}s: {outcome.summary()}; lost: {outcome.lost()}"
        )
    time.sleep(2)

    # the counts again, once what is only passing through (a timer's task, a deletion's completed
    # event on its way to notifications) has drained: duplicates that came late count, transients not
    def drained() -> Outcome | None:
        outcome = system.outcome(ids)
        return None if outcome.lost() else outcome

    return wait_until(drained, timeout=30, what=f"{name}: nothing in flight")


def assert_exactly_once(outcome: Outcome) -> None:
    """Nothing lost (checked by `settled`) and nothing done twice."""
    assert outcome.lost() == []
    assert set(outcome.webhooks_per_product.values()) == {1}, outcome.webhooks_per_product
    assert set(outcome.mails_per_product.values()) == {1}, outcome.mails_per_product


def assert_duplicates_share_their_webhook_id(outcome: Outcome) -> None:
    """After a worker's SIGKILL a webhook in flight may be sent again, but with the same webhook-id."""
    assert outcome.lost() == []
    assert outcome.distinct_webhook_ids == len(outcome.webhooks_per_product)
    assert set(outcome.mails_per_product.values()) <= {1, 2}, outcome.mails_per_product
