"""One `make dev` for the metrics tests, with the run they observe already done (see run.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ripple_testing.servers import WebhookReceiver
from tests_e2e.metrics.run import observed_run
from tests_e2e.system import DevSystem, RabbitDefinitions


@dataclass
class ObservedRun:
    """The running system after the run, and how many products the run deleted."""

    system: DevSystem
    deleted: int


@pytest.fixture(scope="package")
def observed(tmp_path_factory):
    """`make dev` with its own var dir, ports and broker users, after the run; Ctrl-C at the end."""
    tmp = tmp_path_factory.mktemp("metrics")
    rabbit = RabbitDefinitions()
    rabbit.import_()
    receiver = WebhookReceiver().start()
    system = DevSystem(tmp, rabbit, {})
    try:
        system.start()
        yield ObservedRun(system, observed_run(system, rabbit, receiver))
    finally:
        system.stop()
        receiver.stop()
        rabbit.remove()
