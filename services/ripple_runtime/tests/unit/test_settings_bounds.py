"""Retention, outbox and batching settings have safe defaults and refuse values that lose or repeat work."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ripple_runtime import service_settings


def test_the_defaults_keep_the_inbox_a_month_deliveries_a_month_and_deleted_files_a_quarter():
    config = service_settings.retention()
    assert (config["INBOX_DAYS"], config["DELIVERY_DAYS"], config["DELETED_FILE_DAYS"]) == (30, 30, 90)
    assert (config["BATCH_SIZE"], config["ROUND_LIMIT"], config["PRUNE_EVERY_SECONDS"]) == (
        5000,
        100_000,
        3600,
    )
    outbox = service_settings.outbox()
    assert (outbox["MAX_ATTEMPTS"], outbox["TAKEOVER_SECONDS"], outbox["HEARTBEAT_RETENTION_HOURS"]) == (
        10,
        3,
        24,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "RETENTION_INBOX_DAYS",
            "3",
            "RETENTION_INBOX_DAYS must be at least 7, not 3: the inbox must remember",
        ),
        ("RETENTION_BATCH_SIZE", "0", "RETENTION_BATCH_SIZE must be above zero"),
        ("RETENTION_ROUND_LIMIT", "-5", "RETENTION_ROUND_LIMIT must be above zero"),
        ("RETENTION_DELIVERY_DAYS", "0", "RETENTION_DELIVERY_DAYS must be above zero"),
        ("RETENTION_PRUNE_EVERY_SECONDS", "-1", "RETENTION_PRUNE_EVERY_SECONDS must be 0"),
    ],
)
def test_retention_refuses_unsafe_values(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        service_settings.retention()


@pytest.mark.parametrize("variable", ["OUTBOX_MAX_ATTEMPTS", "OUTBOX_TAKEOVER_SECONDS"])
def test_the_outbox_refuses_a_cap_or_take_over_time_of_zero(monkeypatch, variable):
    monkeypatch.setenv(variable, "0")
    with pytest.raises(ImproperlyConfigured, match=f"{variable} must be above zero"):
        service_settings.outbox()


def test_batching_waits_a_twentieth_of_a_second_for_events_and_half_a_second_for_receipts(monkeypatch):
    monkeypatch.delenv("CONSUMER_FLUSH_SECONDS", raising=False)  # the defaults, whatever the shell set
    monkeypatch.delenv("LEDGER_FLUSH_SECONDS", raising=False)
    assert service_settings.consumer_flush_seconds() == 0.05
    assert service_settings.ledger_flush_seconds() == 0.5
    monkeypatch.setenv("LEDGER_FLUSH_SECONDS", "2.5")
    assert service_settings.ledger_flush_seconds() == 2.5


@pytest.mark.parametrize(
    ("variable", "read"),
    [
        ("CONSUMER_FLUSH_SECONDS", service_settings.consumer_flush_seconds),
        ("LEDGER_FLUSH_SECONDS", service_settings.ledger_flush_seconds),
    ],
)
def test_a_flush_interval_of_zero_is_refused(monkeypatch, variable, read):
    monkeypatch.setenv(variable, "0")
    with pytest.raises(ImproperlyConfigured, match=f"{variable} must be above zero"):
        read()
