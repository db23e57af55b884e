"""System check: no database-level delete on a relation of the models the catalog emits events for.

A delete the database carries out itself (Django 6.1's `DB_CASCADE`, `DB_SET_NULL`,
`DB_SET_DEFAULT`, or `DO_NOTHING`, which leaves the relation to the database's own constraint)
sends no `post_delete`, so no event, no ledger entry and no cleanup downstream: only an audit
would find what it left. Such an `on_delete` on any relation to or from Category, Product or
ProductMedia is an error (catalog.E001) naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.core import checks
from django.db import models

EMITTING_MODELS = ("catalog.Category", "catalog.Product", "catalog.ProductMedia")


def is_database_level(on_delete) -> bool:
    """Does this `on_delete` leave the delete to the database (no Collector, so no signals)?

    Detected by what such actions are, not by importing them (this project runs Django 5.2):
    `DO_NOTHING`, any action named `DB_…`, or one that renders its own SQL (`on_delete_sql`).
    """
    if on_delete is models.DO_NOTHING:
        return True
    name = getattr(on_delete, "__name__", "") or type(on_delete).__name__
    return name.startswith("DB_") or hasattr(on_delete, "on_delete_sql")


def database_level_deletes(candidates: Iterable[type[models.Model]], emitting) -> list[checks.Error]:
    """An error for each relation of `candidates` to or from `emitting` models that the database deletes."""
    emitting = set(emitting)
    errors = []
    for model in candidates:
        for field in model._meta.local_fields:
            remote = getattr(field, "remote_field", None)
            on_delete = getattr(remote, "on_delete", None)
            if on_delete is None or not (model in emitting or field.related_model in emitting):
                continue
            if is_database_level(on_delete):
                action = getattr(on_delete, "__name__", type(on_delete).__name__)
                errors.append(
                    checks.Error(
                        f"{model._meta.label}.{field.name} deletes with on_delete={action}: the "
                        f"database would delete or change rows of {field.related_model._meta.label} "
                        "relations without post_delete, so no event would announce it.",
                        hint="Use CASCADE, SET_NULL, PROTECT or another Python-level action, so "
                        "every delete goes through the Collector and its signals.",
                        obj=field,
                        id="catalog.E001",
                    )
                )
    return errors


def check_no_database_level_deletes(app_configs=None, **kwargs) -> list[checks.Error]:
    """catalog.E001 for every database-level `on_delete` touching the catalog's emitting models.

    Registered (tag `models`) in CatalogConfig.ready().
    """
    emitting = [apps.get_model(label) for label in EMITTING_MODELS]
    return database_level_deletes(apps.get_models(include_auto_created=True), emitting)
