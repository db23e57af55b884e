"""Static checks of deploy/: each returns the problems it finds in parsed documents, [] if none."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
RIPPLE_SH = "deploy/entrypoints/ripple.sh"  # as the native runner names it, from the repo root
IMAGE_RIPPLE_SH = "/app/deploy/entrypoints/ripple.sh"  # the image's ENTRYPOINT
WORKLOAD_KINDS = ("Deployment", "Job")


def load_yaml(path: Path) -> Any:
    """One YAML document (compose merge keys `<<` resolved)."""
    return yaml.safe_load(path.read_text())


def load_manifests(folder: Path) -> list[dict]:
    """Every Kubernetes object of the resources kustomization.yaml lists."""
    resources = load_yaml(folder / "kustomization.yaml")["resources"]
    return [doc for name in resources for doc in yaml.safe_load_all((folder / name).read_text()) if doc]


def parse_procfile(text: str) -> list[tuple[str, list[str]]]:
    """`name: command` lines as (name, argv), in order; blank lines and comments skipped."""
    entries = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries.append((name.strip(), shlex.split(command)))
    return entries


def dockerfile_entrypoint(text: str) -> list[str] | None:
    """The exec-form ENTRYPOINT of the final stage, or None."""
    final_stage = re.split(r"(?im)^FROM\s", text)[-1]
    found = re.findall(r"(?im)^ENTRYPOINT\s+(\[.*\])\s*$", final_stage)
    return json.loads(found[-1]) if found else None


def health_args(args: list[str]) -> list[str]:
    """The ripple.sh arguments of the healthcheck of the process started with `args`."""
    return [args[0], "health"] if len(args) == 1 else [args[0], "health", args[1]]


def ripple_services(compose: dict) -> dict[str, dict]:
    """Compose services that run the Ripple image (they build it, or use an image named ripple)."""
    return {
        name: svc
        for name, svc in (compose.get("services") or {}).items()
        if "build" in svc or str(svc.get("image", "")).split(":")[0] == "ripple"
    }


def _compose_problems(services: dict[str, dict]) -> list[str]:
    """Every Ripple service names its process, and its healthcheck is ripple.sh's health role."""
    problems = []
    for name, svc in services.items():
        args = svc.get("command")
        if not isinstance(args, list) or not args:
            problems.append(f"compose {name}: no exec-form command (it would run the image's default CMD)")
            continue
        check = (svc.get("healthcheck") or {}).get("test")
        wanted = ["CMD", IMAGE_RIPPLE_SH, *health_args(args)]
        if check is None and args[-1] != "migrate":
            problems.append(f"compose {name}: a long-running process without a healthcheck")
        elif check is not None and check != wanted:
            problems.append(f"compose {name}: healthcheck {check} is not {wanted}")
    return problems


def _procfile_problems(
    commands: dict[str, list[str]], procfiles: dict[str, str], infrastructure: set[str]
) -> list[str]:
    """Each compose process is exactly one Procfile line `name: ripple.sh <same args>`, and vice versa.

    A Procfile line named after a compose infrastructure service (mailpit) is its native stand-in.
    """
    problems, seen = [], {}
    for file, text in procfiles.items():
        for name, argv in parse_procfile(text):
            if name in seen:
                problems.append(f"{file} {name}: listed again (first in {seen[name]})")
            seen[name] = file
            if name in infrastructure:
                continue
            if name not in commands:
                problems.append(f"{file} {name}: no compose service of that name")
            elif argv != [RIPPLE_SH, *commands[name]]:
                problems.append(f"{file} {name}: runs {argv}, compose runs {[RIPPLE_SH, *commands[name]]}")
    problems += [f"compose {name}: not in any Procfile" for name in commands if name not in seen]
    return problems


def _probe_problems(name: str, args: list[str], container: dict) -> list[str]:
    """Workers and the relay probe with ripple.sh's health role; APIs with /healthz and /readyz."""
    role, problems = args[-1], []
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        spec = container.get(probe) or {}
        if role in ("worker", "relay"):
            command = (spec.get("exec") or {}).get("command")
            if command != [IMAGE_RIPPLE_SH, *health_args(args)]:
                problems.append(f"k8s {name}: {probe} runs {command}, not ripple.sh's health role")
        elif role == "api" and (spec.get("httpGet") or {}).get("path") != path:
            problems.append(f"k8s {name}: {probe} does not GET {path}")
    return problems


def _k8s_problems(commands: dict[str, list[str]], manifests: list[dict]) -> list[str]:
    """Deployments and Jobs run the compose services: same name, same args, the image's entry point."""
    problems, seen = [], set()
    for doc in manifests:
        if doc.get("kind") not in WORKLOAD_KINDS:
            continue
        name = doc["metadata"]["name"]
        seen.add(name)
        containers = doc["spec"]["template"]["spec"]["containers"]
        if name not in commands:
            problems.append(f"k8s {doc['kind']} {name}: no compose service of that name")
            continue
        if len(containers) != 1 or containers[0].get("image") != "ripple" or "command" in containers[0]:
            problems.append(f"k8s {name}: not one container of image `ripple` using its ENTRYPOINT")
            continue
        if containers[0].get("args") != commands[name]:
            problems.append(f"k8s {name}: args {containers[0].get('args')}, compose runs {commands[name]}")
        problems += _probe_problems(name, commands[name], containers[0])
    problems += [f"compose {name}: no k8s Deployment or Job" for name in commands if name not in seen]
    return problems


def runner_mismatches(
    compose: dict, procfiles: dict[str, str], dockerfile: str, manifests: list[dict]
) -> list[str]:
    """Where compose, the native Procfiles, the Dockerfile and the k8s manifests disagree."""
    services = ripple_services(compose)
    problems = _compose_problems(services)
    commands = {
        name: svc["command"] for name, svc in services.items() if isinstance(svc.get("command"), list)
    }
    entrypoint = dockerfile_entrypoint(dockerfile)
    if entrypoint != [IMAGE_RIPPLE_SH]:
        problems.append(f"Dockerfile: ENTRYPOINT is {entrypoint}, not [{IMAGE_RIPPLE_SH!r}]")
    infrastructure = set(compose.get("services") or {}) - set(services)
    return (
        problems
        + _procfile_problems(commands, procfiles, infrastructure)
        + _k8s_problems(commands, manifests)
    )


def kustomization_problems(folder: Path, env_example: Path) -> list[str]:
    """Resources exist, every manifest is listed, and README.md names every key of .env.example."""
    listed = load_yaml(folder / "kustomization.yaml").get("resources") or []
    problems = [
        f"kustomization.yaml lists {name}, which does not exist"
        for name in listed
        if not (folder / name).is_file()
    ]
    manifests = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    problems += [
        f"{name} is not listed in kustomization.yaml resources"
        for name in manifests
        if name != "kustomization.yaml" and name not in listed
    ]
    readme = (folder / "README.md").read_text() if (folder / "README.md").is_file() else ""
    keys = re.findall(r"(?m)^([A-Z][A-Z0-9_]*)=", env_example.read_text())
    problems += [
        f"README.md does not explain the secret key {key}" for key in keys if f"`{key}`" not in readme
    ]
    return problems


def shell_scripts(folder: Path) -> list[Path]:
    """Every shell script under the folder: `*.sh`, or a file whose first line is a sh/bash shebang."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        first_line = path.read_bytes().split(b"\n", 1)[0]
        if path.suffix == ".sh" or re.match(rb"#!.*\b(ba)?sh\s*$", first_line):
            found.append(path)
    return found


def shell_problems(scripts: list[Path]) -> list[str]:
    """Each script parses (`bash -n`), starts with a bash shebang and is executable."""
    problems = []
    for script in scripts:
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            problems.append(f"{script.name}: bash -n: {result.stderr.strip()}")
        if not script.read_text().startswith(("#!/usr/bin/env bash\n", "#!/bin/bash\n")):
            problems.append(f"{script.name}: no bash shebang")
        if not os.access(script, os.X_OK):
            problems.append(f"{script.name}: not executable")
    return problems
