"""The compose project under test: its own name, every published port moved, a webhook receiver.

The override file is written next to the test's temporary files, never into the repository: it
moves each port that docker-compose.yml publishes to a free port on 127.0.0.1 (the machine's
own RabbitMQ, PostgreSQL, … keep theirs), gives the project a network of its own whose subnet
the notifications worker may deliver webhooks to, and adds the test-only webhook receiver.
"""

from __future__ import annotations

import ipaddress
import json
import random
import subprocess
from pathlib import Path

from ripple_testing.servers import free_ports

REPO = Path(__file__).resolve().parents[2]
RECEIVER = Path(__file__).with_name("webhook_receiver.py")
LOCAL_ONLY = {
    line.split("=", 1)[0]: line.split("=", 1)[1]
    for line in (REPO / ".env.example").read_text().splitlines()
    if "=" in line and not line.startswith("#")
}


def unused_subnet() -> str:
    """A /24 in 10.200.0.0/13 that no route of this machine covers (docker refuses overlaps)."""
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=True).stdout
    taken = [ipaddress.ip_network(word, strict=False) for word in routes.split() if "/" in word]
    for _ in range(100):
        candidate = ipaddress.ip_network(f"10.{random.randint(200, 207)}.{random.randint(0, 255)}.0/24")
        if not any(candidate.overlaps(net) for net in taken):
            return str(candidate)
    raise RuntimeError("no free /24 for the compose test network")


class ComposeStack:
    """`docker compose -p NAME -f docker-compose.yml -f override.yml …` with the test's ports."""

    def __init__(self, project: str, workdir: Path, docker_env: dict[str, str]):
        """Write the override file; nothing starts before `up()`."""
        self.project, self.workdir, self.env = project, workdir, docker_env
        self.subnet = unused_subnet()
        self.ports: dict[tuple[str, int], int] = {}
        self.override = workdir / "compose.test.yml"
        # JSON is YAML; `!override` makes each ports list replace the base file's instead of adding to it.
        self.override.write_text(
            json.dumps(self._override(), indent=1).replace('"ports": [', '"ports": !override [')
        )

    def _override(self) -> dict:
        """Moved ports for every published port, the receiver, the network, fast webhook retries."""
        config = json.loads(self.compose("config", "--format", "json", files=False).stdout)
        services: dict[str, dict] = {}
        published = [
            (name, int(port["target"]))
            for name, service in config["services"].items()
            for port in service.get("ports", [])
        ]
        published.append(("webhook-receiver", 9000))
        # distinct ports: two services given the same one fail with "port is already allocated"
        self.ports.update(zip(published, free_ports(len(published)), strict=True))
        for name, service in config["services"].items():
            targets = [int(port["target"]) for port in service.get("ports", [])]
            if targets:
                services[name] = {
                    "ports": [f"127.0.0.1:{self.ports[(name, t)]}:{t}" for t in targets],
                }
        # The API checks a webhook's address when it is subscribed, the worker before every POST.
        for name in ("notifications-api", "notifications-worker"):
            services.setdefault(name, {})["environment"] = {
                "NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS": self.subnet,
                "NOTIFICATIONS_RETRY_SCHEDULE": "1,1,2",
            }
        services["webhook-receiver"] = {
            "image": "python:3.11-slim",
            "command": ["python", "/receiver.py"],
            "volumes": [f"{RECEIVER}:/receiver.py:ro"],
            "ports": [f"127.0.0.1:{self.ports[('webhook-receiver', 9000)]}:9000"],
            "healthcheck": {
                "test": [
                    "CMD",
                    "python",
                    "-c",
                    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9000/healthz')",
                ],
                "interval": "2s",
                "retries": 15,
            },
        }
        return {
            "services": services,
            "networks": {"default": {"ipam": {"config": [{"subnet": self.subnet}]}}},
        }

    def compose(
        self,
        *args: str,
        files: bool = True,
        check: bool = True,
        timeout: float = 600,
        extra_files: tuple[Path, ...] = (),
    ) -> subprocess.CompletedProcess[str]:
        """Run `docker compose` for this project; stdout and stderr kept apart."""
        argv = [
            "docker",
            "compose",
            "-p",
            self.project,
            "--project-directory",
            str(REPO),
            "-f",
            str(REPO / "docker-compose.yml"),
        ]
        if files:
            argv += ["-f", str(self.override)]
        for path in extra_files:
            argv += ["-f", str(path)]
        result = subprocess.run(
            [*argv, *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def url(self, service: str, target: int, path: str = "") -> str:
        """http://127.0.0.1:<the moved port of service:target><path>."""
        return f"http://127.0.0.1:{self.ports[(service, target)]}{path}"

    def exec(self, service: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside a running service container (no TTY)."""
        return self.compose("exec", "-T", service, *argv, check=check, timeout=120)

    def containers(self) -> list[dict]:
        """`docker compose ps -a` as dicts: Service, State, Health, ExitCode, …"""
        out = self.compose("ps", "-a", "--format", "json").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, networks and volumes that still carry this project's label."""
        label = f"label=com.docker.compose.project={self.project}"
        found = {}
        for kind, argv in (
            ("containers", ["ps", "-a"]),
            ("networks", ["network", "ls"]),
            ("volumes", ["volume", "ls"]),
        ):
            out = subprocess.run(
                ["docker", *argv, "-q", "--filter", label],
                env=self.env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            found[kind] = out.split()
        return found
