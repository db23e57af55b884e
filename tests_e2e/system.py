"""The whole system under `make dev` for end-to-end tests, with RabbitMQ users as compose has them.

The test imports deploy/rabbitmq/definitions.json into the machine's RabbitMQ under a vhost and
user names of its own, so every process runs with its least-privilege user exactly as in
compose; databases are SQLite files and media a folder in a temporary RIPPLE_VAR_DIR.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from ripple_runtime import rabbitmq_definitions
from ripple_runtime.metrics.exposition import PORT_OFFSETS
from ripple_testing.processes import ManagedProcess, wait_until
from ripple_testing.servers import free_port, free_port_block

REPO_DIR = Path(__file__).resolve().parents[1]
PROCESS_USERS = ("catalog", "media", "search", "notifications", "flower")
HEALTH_PATHS = (
    ("catalog", "/healthz"),
    ("search", "/healthz"),
    ("notifications", "/healthz"),
    ("flower", "/healthcheck"),
)


def ctl(*args: str, stdin: str | None = None) -> None:
    """rabbitmqctl, quietly, failing loudly (it may run as another user: pass files on stdin)."""
    subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120, input=stdin, text=True
    )


class RabbitDefinitions:
    """The committed definitions, imported under a test vhost and user prefix, with fresh passwords."""

    def __init__(self):
        """Choose names and passwords."""
        tag = secrets.token_hex(4)
        self.vhost, self.prefix = f"ripple-e2e-{tag}", f"e2e{tag}-"
        self.passwords = {user: secrets.token_hex(12) for user in PROCESS_USERS}  # never starts with "-"

    def import_(self) -> None:
        """Create the users, import the rest under the test's names, wait until every right is there.

        Users are made with `add_user` (synchronous, password included): an asynchronous import
        once left a user missing for minutes. The import is repeated until every user's
        permissions are listed in the vhost.
        """
        document = json.loads((REPO_DIR / "deploy/rabbitmq/definitions.json").read_text())
        assert document == rabbitmq_definitions.definitions(), "definitions.json drifted from the topology"
        for key in ("queues", "exchanges", "bindings", "permissions"):
            for item in document[key]:
                item["vhost"] = self.vhost
        for item in document["permissions"]:
            item["user"] = self.prefix + item["user"]
        users, document["users"] = document["users"], []
        document["vhosts"] = [{"name": self.vhost}]
        try:
            for user in users:
                name = user["name"]
                password = self.passwords.get(name, secrets.token_hex(12))
                ctl("add_user", self.prefix + name, password)
                ctl("set_user_tags", self.prefix + name, *user["tags"])
            wanted = {item["user"] for item in document["permissions"]}
            attempt = 0

            def imported() -> bool:
                nonlocal attempt
                if attempt % 10 == 0:  # at first, then again every few seconds while rights are missing
                    self._import(document)
                attempt += 1
                return wanted <= self._users_with_rights()

            wait_until(imported, timeout=120, what="the definitions to be imported")
        except BaseException:
            self.remove()  # a half-done import leaves no vhost or user behind
            raise

    def _import(self, document: dict) -> None:
        """`rabbitmqctl import_definitions` of a document (a readable file in /tmp, removed after)."""
        fd, path = tempfile.mkstemp(prefix="ripple-e2e-", suffix=".json", dir="/tmp")
        try:
            os.write(fd, json.dumps(document).encode())
            os.close(fd)
            os.chmod(path, 0o644)
            ctl("import_definitions", path)
        finally:
            os.unlink(path)

    def _users_with_rights(self) -> set[str]:
        """The users holding permissions in the test's vhost (empty while it does not exist yet)."""
        listed = subprocess.run(
            ["rabbitmqctl", "-q", "--no-table-headers", "list_permissions", "-p", self.vhost],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return {line.split("\t")[0] for line in listed.stdout.splitlines() if line.strip()}

    def remove(self) -> None:
        """Delete the vhost and the users (whichever of them exist)."""
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True, check=False)
        for user in (*PROCESS_USERS, rabbitmq_definitions.ADMIN_USER):
            subprocess.run(
                ["rabbitmqctl", "-q", "delete_user", self.prefix + user], capture_output=True, check=False
            )

    def env(self) -> dict[str, str]:
        """What ripple.sh needs to build each process's BROKER_URL."""
        env = {
            "RIPPLE_RABBITMQ_HOST": "127.0.0.1",
            "RIPPLE_RABBITMQ_VHOST": self.vhost,
            "RIPPLE_RABBITMQ_USER_PREFIX": self.prefix,
        }
        env.update({f"RABBITMQ_PASSWORD_{user.upper()}": pw for user, pw in self.passwords.items()})
        return env


class DevSystem:
    """`make dev` running in the background with its own ports, var dir and broker users."""

    def __init__(self, tmp: Path, rabbit: RabbitDefinitions, extra_env: dict[str, str]):
        """Pick free ports; nothing starts before `start()`."""
        self.var = tmp / "var"
        self.ports = {name: free_port() for name in ("catalog", "search", "notifications", "flower", "email")}
        self.metrics_base_port = free_port_block(len(PORT_OFFSETS))
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("BROKER_URL", "DATABASE_URL")},
            **rabbit.env(),
            "CATALOG_PORT": str(self.ports["catalog"]),
            "SEARCH_PORT": str(self.ports["search"]),
            "NOTIFICATIONS_PORT": str(self.ports["notifications"]),
            "FLOWER_PORT": str(self.ports["flower"]),
            "EMAIL_PORT": str(self.ports["email"]),
            "METRICS_BASE_PORT": str(self.metrics_base_port),
            "NOTIFICATIONS_RETRY_SCHEDULE": "1,1,2",
            **extra_env,
        }
        self.process = ManagedProcess(
            ["make", "dev", f"RIPPLE_VAR_DIR={self.var}"],
            cwd=REPO_DIR,
            env=self.env,
            log_path=tmp / "dev.log",
        )
        self.secrets: dict[str, str] = {}

    def url(self, name: str, path: str) -> str:
        """http://127.0.0.1:<port of name><path>."""
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def start(self, workers: bool = True) -> None:
        """Run make dev and wait until every API and Flower answer (and all three workers, by default)."""
        self.process.start()
        for name, path in HEALTH_PATHS:
            wait_until(lambda n=name, p=path: self._answers(n, p), timeout=180, what=f"{name} {path}")
        generated = dict(
            line.split("=", 1) for line in (self.var / "dev.env").read_text().splitlines() if "=" in line
        )
        # What the environment sets wins over var/dev.env, in make dev as here.
        self.secrets = {name: self.env.get(name) or value for name, value in generated.items()}
        if workers:
            self.wait_for_workers()

    def wait_for_workers(self) -> None:
        """Wait until Flower sees the four workers (the catalog's and the three services')."""
        wait_until(
            lambda: len(self.flower("/api/workers?refresh=1")) >= 4,
            timeout=120,
            what="Flower to see 4 workers",
        )

    def _answers(self, name: str, path: str) -> bool:
        """Does the process answer 200 yet (and is make dev still running)?"""
        assert self.process.process.poll() is None, f"make dev exited:\n{self.process.log()[-4000:]}"
        try:
            return requests.get(self.url(name, path), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def metrics_url(self, process: str) -> str:
        """The `/metrics` of one process of deploy/Procfile (`catalog-relay`), on its offset from the base."""
        return f"http://127.0.0.1:{self.metrics_base_port + PORT_OFFSETS[process]}/metrics"

    def api(self) -> requests.Session:
        """A session with the admin token of var/dev.env."""
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.secrets['RIPPLE_ADMIN_TOKEN']}"
        return session

    def flower(self, path: str):
        """GET a Flower API path with its basic auth; {} while Flower is not ready."""
        user, password = self.secrets["FLOWER_BASIC_AUTH"].split(":", 1)
        try:
            response = requests.get(self.url("flower", path), auth=(user, password), timeout=5)
        except requests.RequestException:
            return {}
        return response.json() if response.ok else {}

    def stop(self) -> int:
        """Ctrl-C, as a user would; return make's exit code."""
        code = self.process.interrupt()
        time.sleep(0.5)
        return code


@contextlib.contextmanager
def running_dev_system(tmp: Path, extra_env: dict[str, str], workers: bool = True) -> Iterator[DevSystem]:
    """`make dev` under broker users of its own (imported, removed after), started; Ctrl-C at the end."""
    rabbit = RabbitDefinitions()
    rabbit.import_()
    dev = DevSystem(tmp, rabbit, extra_env)
    try:
        dev.start(workers=workers)
        yield dev
    finally:
        dev.stop()
        rabbit.remove()
