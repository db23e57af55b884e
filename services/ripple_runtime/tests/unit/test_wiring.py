"""Wiring a declared service into Celery: its task queue, one task per type, its own consumer step."""

from celery import Celery

from ripple_runtime.celery import install
from ripple_runtime.messaging.consumer import EventConsumerStep
from ripple_runtime.messaging.service import EventService

SERVICE = EventService(
    name="media",
    handlers={"catalog.media.deleted.v1": "json.dumps", "catalog.product.deleted.v1": "json.dumps"},
)
APP = Celery("media", set_as_current=False)
install(APP, SERVICE)


def test_the_service_is_handed_to_its_consumer_step_not_left_on_the_app():
    app = APP
    (step,) = [s for s in app.steps["consumer"] if issubclass(s, EventConsumerStep)]
    assert step.service is SERVICE
    assert "celery.worker.consumer:Tasks" in step.requires
    assert not hasattr(app, "ripple_service")


def test_the_app_routes_the_services_tasks_to_its_quorum_task_queue():
    app = APP
    (queue,) = app.conf.task_queues
    assert queue.name == app.conf.task_default_queue == "media.tasks"
    assert queue.queue_arguments["x-queue-type"] == "quorum"
    assert "media.catalog.media.deleted.v1" in app.tasks
