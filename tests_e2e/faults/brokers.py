"""The broker of a whole-system run: the machine's RabbitMQ, direct or behind a proxy, or a 3-node cluster.

All offer the same few things: create and delete the run's vhost, the BROKER_URL every process
uses, the URL of a direct (unproxied) connection for the test's own publishing, and rabbitmqctl.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import tempfile
from pathlib import Path

from ripple_testing.broker import BROKER_HOST, BROKER_PORT, TestVhost
from ripple_testing.proxy import TcpProxy
from ripple_testing.servers import free_port

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SH = REPO / "deploy" / "rabbitmq" / "cluster.sh"


class DirectBroker:
    """A vhost of the machine's RabbitMQ, which every process reaches directly (what the bench measures)."""

    proxy = None  # nothing between the processes and the broker to cut

    def __init__(self):
        """Name the vhost; nothing is created before `create()`."""
        self.vhost = TestVhost(prefix="ripple-faults")

    def create(self) -> None:
        """Create the vhost."""
        self.vhost.create()

    def delete(self) -> None:
        """Delete the vhost with everything in it."""
        self.vhost.delete()

    def url(self) -> str:
        """The processes' BROKER_URL."""
        return self.vhost.url()

    def direct_url(self) -> str:
        """The test's own connection."""
        return self.vhost.url()

    def ctl(self, *args: str) -> str:
        """rabbitmqctl against the machine's node, scoped to the vhost where the command takes -p."""
        return _run(["rabbitmqctl", "-q", *args, "-p", self.vhost.name])


class ProxiedBroker(DirectBroker):
    """A vhost of the machine's RabbitMQ, which every process reaches through a TCP proxy it can cut.

    The proxy pumps every byte in a thread of the test's own process: fine for faults, a cost for a bench.
    """

    def __init__(self):
        """Name the vhost and open the proxy's port; nothing is created before `create()`."""
        super().__init__()
        self.proxy = TcpProxy(BROKER_HOST, BROKER_PORT)

    def create(self) -> None:
        """Create the vhost and start forwarding."""
        super().create()
        self.proxy.start()

    def delete(self) -> None:
        """Stop forwarding and delete the vhost with everything in it."""
        self.proxy.close()
        super().delete()

    def url(self) -> str:
        """The processes' BROKER_URL: through the proxy."""
        return self.vhost.url(port=self.proxy.port)


class ClusterBroker:
    """Three RabbitMQ nodes on this machine (deploy/rabbitmq/cluster.sh); processes list all three."""

    def __init__(self):
        """Choose node names, ports and a data folder; nothing starts before `create()`."""
        # Not under pytest's tmp_path: the nodes run as the rabbitmq user, who cannot enter it.
        self.folder = Path(tempfile.mkdtemp(prefix="ripple-cluster-"))
        self.folder.chmod(0o755)
        self.prefix = f"ripple-{secrets.token_hex(3)}"
        self.base_port = _three_free_ports()
        self.vhost_name = "ripple-cluster"

    def create(self) -> None:
        """Start and join the nodes, then add the vhost (guest may use it; it is on loopback only)."""
        _run([str(CLUSTER_SH), "start", str(self.folder), self.prefix, str(self.base_port)], timeout=600)
        self.node_ctl(1, "add_vhost", self.vhost_name)
        self.node_ctl(1, "set_permissions", "-p", self.vhost_name, "guest", ".*", ".*", ".*")

    def delete(self) -> None:
        """Stop every node and remove its data."""
        _run([str(CLUSTER_SH), "stop", str(self.folder)], timeout=300)

    def node_url(self, node: int) -> str:
        """The AMQP URL of one node's listener."""
        return f"amqp://guest:guest@127.0.0.1:{self.base_port + node - 1}/{self.vhost_name}"

    def url(self) -> str:
        """Every node, for kombu's failover: a process connects to the first that answers."""
        return ";".join(self.node_url(node) for node in (1, 2, 3))

    def direct_url(self) -> str:
        """The test's own connection (the same failover list)."""
        return self.url()

    def node_ctl(self, node: int, *args: str) -> str:
        """rabbitmqctl against one node."""
        return _run([str(CLUSTER_SH), "ctl", str(self.folder), str(node), *args])

    def running_nodes(self) -> list[int]:
        """The nodes whose RabbitMQ application answers."""
        alive = []
        for node in (1, 2, 3):
            try:
                self.node_ctl(node, "await_startup", "--timeout", "5")
            except subprocess.CalledProcessError:
                continue
            alive.append(node)
        return alive

    def ctl(self, *args: str) -> str:
        """rabbitmqctl against the first running node, scoped to the vhost."""
        return self.node_ctl(self.running_nodes()[0], *args, "-p", self.vhost_name)

    def leader_of(self, queue: str) -> int:
        """The node number that leads a quorum queue."""
        for line in self.ctl("list_queues", "name", "leader", "--no-table-headers").splitlines():
            name, _, leader = line.partition("\t")
            if name == queue:
                return int(leader.split("@")[0].rsplit("-", 1)[1])
        raise LookupError(f"no queue {queue}")


def _three_free_ports() -> int:
    """A base port whose next two ports (and the distribution ports 10000 above) look free."""
    for _ in range(50):
        base = free_port()
        if base < 50000 and all(_is_free(base + offset) for offset in (1, 2, 10000, 10001, 10002)):
            return base
    raise RuntimeError("no three consecutive free ports")


def _is_free(port: int) -> bool:
    """Can 127.0.0.1:port be bound right now?"""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _run(argv: list[str], timeout: float = 120) -> str:
    """Run a command, fail loudly, return its stdout."""
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=timeout).stdout
