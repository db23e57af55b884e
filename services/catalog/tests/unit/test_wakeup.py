"""A relay wakes when outbox rows commit, not on its poll: NOTIFY on PostgreSQL, a doorbell on SQLite."""

import threading
import time

import pytest
from django.db import connection, transaction

from catalog.models import Product
from ripple_runtime.outbox import wakeup
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db(transaction=True)
POLL = 60.0  # far longer than any test waits: only a wake-up on commit ends the wait in time


class Waiter:
    """The relay's wait, in a thread: did it end, and how long did it take?"""

    def __init__(self):
        """Open the database's wake-up and start listening before anything commits."""
        self.stop = threading.Event()
        self.wakeup = wakeup.wakeup_for(self.stop)
        self.wakeup.wait(0)  # LISTEN (PostgreSQL) happens on the first wait; the doorbell is bound already
        self.thread = threading.Thread(target=self.wakeup.wait, args=(POLL,), daemon=True)
        self.thread.start()

    def woke_within(self, seconds: float) -> bool:
        """Did the wait end within `seconds` from now?"""
        self.thread.join(seconds)
        return not self.thread.is_alive()

    def close(self):
        """Wake a thread still waiting (NOTIFY or a ring, as a writer would), then release the wake-up."""
        if self.thread.is_alive():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"NOTIFY {wakeup.NOTIFY_CHANNEL}")
            else:
                wakeup.ring(wakeup.doorbell_address())
            assert self.woke_within(10)
        self.wakeup.close()


@pytest.fixture
def waiter():
    waiter = Waiter()
    yield waiter
    waiter.close()


def test_the_wakeup_is_the_best_the_database_offers(waiter):
    expected = wakeup.PostgresWakeup if connection.vendor == "postgresql" else wakeup.DoorbellWakeup
    assert type(waiter.wakeup) is expected


def test_a_committed_delete_wakes_the_relay_and_a_rolled_back_one_does_not(category, waiter):
    bulk_catalog(category, products=2, media_per_product=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        Product.objects.filter(sku="B-0").delete()
        raise RuntimeError("roll it back")
    time.sleep(0.5)
    assert not waiter.woke_within(0), "a rolled-back delete rang"
    with transaction.atomic():
        Product.objects.filter(sku="B-1").delete()
    assert waiter.woke_within(10)


def test_a_second_relay_of_the_same_database_falls_back_to_polling(waiter):
    second = wakeup.wakeup_for(threading.Event())
    try:
        if connection.vendor == "postgresql":
            assert type(second) is wakeup.PostgresWakeup  # LISTEN has no owner: every relay gets it
        else:
            assert type(second) is wakeup.PollWakeup
    finally:
        second.close()


def test_ringing_with_no_relay_listening_is_harmless():
    wakeup.ring("\0ripple-outbox-nobody-listens-here")
