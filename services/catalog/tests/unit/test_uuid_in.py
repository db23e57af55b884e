"""ripple_runtime.bulk.uuid_in: the same rows as `__in`, with one array parameter on PostgreSQL.

It lives in the runtime and serves every service's inbox; the ledger's event rows test it here
because the catalog's tests run on both databases.
"""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from ledger.models import Deletion, DeletionEvent
from ripple_runtime.bulk import uuid_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_ids():
    """Five event rows of one deletion; their ids."""
    deletion = Deletion.objects.create(kind=Deletion.Kind.BULK, summary="five", requested_at=timezone.now())
    ids = [uuid.uuid4() for _ in range(5)]
    DeletionEvent.objects.bulk_create(
        DeletionEvent(deletion=deletion, event_id=event_id, event_type="catalog.product.deleted.v1")
        for event_id in ids
    )
    return ids


def test_it_selects_what_in_selects(event_ids):
    # an id, the same as a string and again, an id of no row, and None
    wanted = [event_ids[0], str(event_ids[2]), event_ids[2], uuid.uuid4(), None]
    rows = DeletionEvent.objects.filter(uuid_in("event_id", wanted))
    assert set(rows.values_list("event_id", flat=True)) == {event_ids[0], event_ids[2]}
    assert set(rows.values_list("event_id", flat=True)) == set(
        DeletionEvent.objects.filter(event_id__in=wanted).values_list("event_id", flat=True)
    )


def test_it_combines_with_other_filters_and_excludes(event_ids):
    deletion = DeletionEvent.objects.get(event_id=event_ids[0]).deletion
    assert DeletionEvent.objects.filter(uuid_in("event_id", event_ids[:3]), deletion=deletion).count() == 3
    assert DeletionEvent.objects.exclude(uuid_in("event_id", event_ids[:3])).count() == 2


def test_no_ids_match_nothing(event_ids):
    assert not DeletionEvent.objects.filter(uuid_in("event_id", [])).exists()
    assert not DeletionEvent.objects.filter(uuid_in("event_id", [None])).exists()


def test_a_malformed_id_is_refused_as_with_in(event_ids):
    with pytest.raises(ValidationError):
        list(DeletionEvent.objects.filter(uuid_in("event_id", ["not-a-uuid"])))


def test_a_thousand_ids_are_one_parameter_on_postgresql_and_an_in_list_elsewhere(event_ids):
    many = [*event_ids, *(uuid.uuid4() for _ in range(1000))]
    sql, params = DeletionEvent.objects.filter(uuid_in("event_id", many)).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(%s::uuid[])" in sql and len(params) == 1
    else:
        assert " IN (" in sql and len(params) == len(many)
    assert DeletionEvent.objects.filter(uuid_in("event_id", many)).count() == 5
