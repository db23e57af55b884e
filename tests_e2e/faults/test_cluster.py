"""A three-node RabbitMQ cluster loses the node that leads the queues in the middle of a stream.

Every process gets all three nodes in its BROKER_URL (kombu fails over to the next), the quorum
queues have a member on each node, and the node leading the services' event queues is stopped
while deletes go out: nothing may be lost, and nothing done twice but a webhook in flight on a
dropped connection, sent again with the same webhook-id.
"""

from __future__ import annotations

import threading
import time

import pytest

from shared_contracts import topology
from tests_e2e.faults.brokers import ClusterBroker
from tests_e2e.faults.scenarios import assert_duplicates_share_their_webhook_id, settled
from tests_e2e.faults.system import WholeSystem

PRODUCTS = 12


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """The whole system on a three-node cluster of its own."""
    tmp = tmp_path_factory.mktemp("cluster")
    with WholeSystem(tmp, broker=ClusterBroker()) as whole:
        yield whole


def test_losing_the_node_that_leads_the_queues_loses_nothing(system):
    broker: ClusterBroker = system.broker
    queue = topology.SUBSCRIPTIONS["media"].queue_name
    listing = broker.ctl("--no-table-headers", "list_queues", "name", "members").splitlines()
    members = dict(line.split("\t", 1) for line in listing if "\t" in line)
    for sub in topology.SUBSCRIPTIONS.values():  # every event and task queue has a member on each node
        assert members[sub.queue_name].count("@") == 3 and members[sub.task_queue_name].count("@") == 3
    leader = broker.leader_of(queue)
    ids = system.seed("CLUSTER", PRODUCTS)

    deleter = threading.Thread(
        target=lambda: [system.delete([p], bulk_every=1) or time.sleep(0.2) for p in ids]
    )
    deleter.start()
    time.sleep(PRODUCTS * 0.2 / 3)
    broker.node_ctl(leader, "stop")
    deleter.join()

    assert leader not in broker.running_nodes()
    assert broker.leader_of(queue) != leader
    outcome = settled(system, ids, f"cluster: node {leader} (the leader) stopped", timeout=180)
    assert_duplicates_share_their_webhook_id(outcome)
