"""The project itself: migrations match the models, the service subscribes to what it handles."""

from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class

from search.service import SERVICE
from search_site.celery import app


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "search", "--check", "--dry-run", stdout=StringIO())


def test_the_worker_has_one_task_per_product_event_on_the_search_task_queue():
    assert set(SERVICE.handlers) == {"catalog.product.upserted.v1", "catalog.product.deleted.v1"}
    for event_type in SERVICE.handlers:
        task_name = f"search.{event_type}"
        assert task_name in app.tasks
        assert app.amqp.router.route({}, task_name)["queue"].name == "search.tasks"
        assert callable(SERVICE.handler(event_type))
    assert SERVICE.subscription.binding_keys == ("catalog.product.*",)


def test_manage_py_runserver_serves_on_the_search_port():
    command = load_command_class(get_commands()["runserver"], "runserver")
    assert command.default_port == "8001"
