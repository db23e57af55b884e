"""Retention: old rows every service prunes on a schedule, in bounded batches, declared where they live.

Each Django app that keeps rows only for a while says so in its own `retention.py`, as a list
`RETENTION_RULES` of `Rule`s: which rows have expired at a cutoff, and how long they are kept
(read from settings.RETENTION, the RETENTION_* variables). The runtime's inbox declares its
processed event ids, media its deleted-file records, notifications its finished deliveries.
Every service's worker runs one round of every installed app's rules on its timer
(ripple_runtime.periodic); the relay prunes its own outbox rows and heartbeats.

A round deletes at most RETENTION_ROUND_LIMIT rows per rule, RETENTION_BATCH_SIZE per statement,
so no statement holds locks for long and a first round after years of nothing ends in bounded
time; the next round goes on where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """One kind of row a service keeps for a while: how long (from settings), and which have expired."""

    name: str
    keep: Callable[[], timedelta]
    expired: Callable[[datetime], QuerySet]


def task_name(service: str) -> str:
    """The Celery task of a service's pruning round, e.g. `media.prune_old_rows` (on its task queue)."""
    return f"{service}.prune_old_rows"


def installed_rules() -> list[Rule]:
    """Every installed app's RETENTION_RULES, from its `retention` module, in app order."""
    found = []
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "retention"):
            found.extend(import_module(f"{app.name}.retention").RETENTION_RULES)
    return found


def delete_in_batches(rows: QuerySet, batch_size: int, limit: int | None = None) -> int:
    """Delete `rows` (cascades included), `batch_size` per statement, at most about `limit`; return how many.

    Only the queryset's own model is counted; rows that go with them (a delivery's attempts) are not.
    """
    model, total = rows.model, 0
    while limit is None or total < limit:
        size = batch_size if limit is None else min(batch_size, limit - total)
        chunk = list(rows.order_by().values_list("pk", flat=True)[:size])
        if not chunk:
            break
        _, per_model = model._base_manager.filter(pk__in=chunk).only("pk").delete()
        total += per_model.get(model._meta.label, 0)
    return total


def prune_round(rules: list[Rule] | None = None) -> dict[str, int]:
    """Delete what each rule says has expired, bounded by settings.RETENTION; {rule name: rows deleted}."""
    config = settings.RETENTION
    now = timezone.now()
    deleted = {}
    for rule in installed_rules() if rules is None else rules:
        rows = rule.expired(now - rule.keep())
        deleted[rule.name] = delete_in_batches(rows, config["BATCH_SIZE"], config["ROUND_LIMIT"])
    return deleted


def prune_old_rows() -> dict[str, int]:
    """The body of the `<service>.prune_old_rows` task every worker sends itself on its timer."""
    deleted = prune_round()
    if any(deleted.values()):
        log.info("pruned old rows: %s", ", ".join(f"{count} {name}" for name, count in deleted.items()))
    return deleted
