"""Render deploy/rabbitmq/definitions.json from the topology: vhost, users, permissions, exchanges, queues.

`python -m ripple_runtime.rabbitmq_definitions PATH` writes it (`make schemas`); `--check` fails
on drift (CI runs it through a test). Users carry no password here: deploy/rabbitmq/start.sh sets them from
the environment when the broker starts, so no password is ever committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared_contracts import topology
from shared_contracts.topology import ExchangeSpec, QueueSpec

VHOST = "ripple"
ADMIN_USER = "ripple-admin"
# Celery's own names: task events, remote control (pidbox), native delayed delivery.
CELERY_NAMES = (
    r"celeryev|celeryev\..*|celery\.pidbox|.*\.celery\.pidbox|reply\.celery\.pidbox|celery_delayed_.*"
)


def _exchange(exchange: ExchangeSpec) -> dict[str, Any]:
    """One exchange as the definitions file spells it."""
    return {
        "name": exchange.name,
        "vhost": VHOST,
        "type": exchange.type,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue(queue: QueueSpec) -> dict[str, Any]:
    """One queue, with exactly the arguments the services declare (or RabbitMQ refuses them)."""
    return {
        "name": queue.name,
        "vhost": VHOST,
        "durable": True,
        "auto_delete": False,
        "arguments": dict(queue.arguments),
    }


def _bindings(queue: QueueSpec) -> list[dict[str, Any]]:
    """The queue's bindings."""
    pairs = sorted(queue.bindings)
    return [
        {
            "source": source,
            "vhost": VHOST,
            "destination": queue.name,
            "destination_type": "queue",
            "routing_key": key,
            "arguments": {},
        }
        for source, key in pairs
    ]


def _permission(user: str, configure: str, write: str, read: str) -> dict[str, str]:
    """A user's rights in the vhost, as anchored regular expressions."""
    return {
        "user": user,
        "vhost": VHOST,
        "configure": f"^({configure})$",
        "write": f"^({write})$",
        "read": f"^({read})$",
    }


def _service_names(sub: topology.Subscription) -> str:
    """The queues a consuming service owns."""
    return _names(sub.queue_name, sub.dead_letter_queue_name, sub.task_queue_name)


def _names(*names: str) -> str:
    """Exact names as one alternation of escaped regular expressions."""
    return "|".join(name.replace(".", r"\.") for name in names)


def definitions() -> dict[str, Any]:
    """The whole definitions document."""
    events, receipts, dlx, tasks = (_names(e.name) for e in topology.EXCHANGES)
    consumer_queues = _names(*(q.name for q in topology.all_queues()))
    queues = [
        q
        for sub in topology.SUBSCRIPTIONS.values()
        for q in (sub.event_queue(), sub.dead_letter_queue(), sub.task_queue())
    ]
    users = {
        **{name: [] for name in topology.SUBSCRIPTIONS},
        "flower": ["monitoring"],
        ADMIN_USER: ["administrator"],
    }
    permissions = [
        _permission("flower", CELERY_NAMES, CELERY_NAMES, CELERY_NAMES),
        _permission(ADMIN_USER, ".*", ".*", ".*"),
    ]
    for name, sub in topology.SUBSCRIPTIONS.items():
        own = _service_names(sub)
        # Every service publishes to one exchange only: the catalog its events, the others receipts.
        publishes = _names(topology.publish_exchange(name))
        configure = f"{events}|{receipts}|{dlx}|{tasks}|{own}|{CELERY_NAMES}"
        write = f"{publishes}|{dlx}|{tasks}|{own}|{CELERY_NAMES}"
        if name == "catalog":
            # The catalog's relay declares every exchange and every consumer queue, so that
            # nothing is unroutable before a consumer first starts.
            configure += f"|{consumer_queues}"
            write += f"|{consumer_queues}"
        permissions.append(
            _permission(name, configure, write, f"{events}|{receipts}|{dlx}|{tasks}|{own}|{CELERY_NAMES}")
        )
    return {
        "rabbit_version": "3.10.0",
        "users": [
            {
                "name": user,
                "password_hash": "",
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": tags,
            }
            for user, tags in users.items()
        ],
        "vhosts": [{"name": VHOST}],
        "permissions": permissions,
        "parameters": [],
        "policies": [],
        "exchanges": [_exchange(e) for e in topology.EXCHANGES],
        "queues": [_queue(q) for q in queues],
        "bindings": [b for q in queues for b in _bindings(q)],
    }


def render() -> str:
    """The exact text of the file."""
    return json.dumps(definitions(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """Write the file, or with --check report whether it is up to date."""
    check = "--check" in argv
    path = Path(next(arg for arg in argv if not arg.startswith("--")))
    if check:
        if not path.exists() or path.read_text() != render():
            print(f"{path} is out of date: run `make schemas`")
            return 1
        return 0
    path.write_text(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
