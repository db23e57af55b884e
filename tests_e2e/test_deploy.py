"""What CI cannot run (compose, the image, Kubernetes) it checks statically; broken copies must fail."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests_e2e.deploy_checks import (
    REPO,
    kustomization_problems,
    load_manifests,
    load_yaml,
    runner_mismatches,
    shell_problems,
    shell_scripts,
)

BIN = Path(sys.executable).parent
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSIONS = ("1.30", "1.37")  # an older cluster still in support, and the newest schemas shipped
PROCFILES = ("deploy/Procfile", "deploy/Procfile.init")


def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a tool from the repo root; stdout and stderr together in `.stdout`."""
    return subprocess.run(
        [str(a) for a in argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )


# 1. docker-compose.yml against the compose specification


def check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return run(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", path)


def test_compose_file_follows_the_compose_spec():
    result = check_compose(REPO / "docker-compose.yml")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('    ports:\n      - "127.0.0.1:8001:8001"\n', "    ports: 8001\n", "8001 is not of type 'array'"),
        ("service_completed_successfully", "service_finished", "'service_finished' is not one of"),
    ],
    ids=["ports-is-a-number", "unknown-depends-on-condition"],
)
def test_compose_check_rejects_a_broken_copy(tmp_path, old, new, message):
    text = (REPO / "docker-compose.yml").read_text()
    assert old in text
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace(old, new))
    result = check_compose(broken)
    assert result.returncode != 0
    assert message in result.stdout


# 2. deploy/Dockerfile with hadolint


def lint_dockerfile(path: Path) -> subprocess.CompletedProcess[str]:
    return run(BIN / "hadolint", "--no-color", "--failure-threshold", "style", path)


def test_dockerfile_has_no_hadolint_findings():
    result = lint_dockerfile(REPO / "deploy" / "Dockerfile")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == ""


def test_hadolint_rejects_a_floating_base_and_unpinned_packages(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = lint_dockerfile(broken)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the `latest` tag
    assert "DL3008" in result.stdout  # apt-get install without versions


# 3. deploy/k8s: every manifest valid for Kubernetes, the kustomization complete


def validate_manifests(paths: list[Path], version: str) -> subprocess.CompletedProcess[str]:
    return run(BIN / "kubernetes-validate", "--strict", "--quiet", "--kubernetes-version", version, *paths)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_k8s_manifests_validate_strictly(version):
    resources = load_yaml(K8S / "kustomization.yaml")["resources"]
    result = validate_manifests([K8S / name for name in resources], version)
    assert result.returncode == 0, result.stdout


def _replicas_as_text(deployment: dict) -> None:
    deployment["spec"]["replicas"] = "two"


def _misspelled_probe(deployment: dict) -> None:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_replicas_as_text, "'two' is not of type 'integer'"),
        (_misspelled_probe, "'readinesProbe' was unexpected"),
    ],
    ids=["replicas-is-a-string", "misspelled-field"],
)
def test_k8s_validation_rejects_a_broken_deployment(tmp_path, edit, message):
    deployment = next(d for d in load_manifests(K8S) if d["kind"] == "Deployment")
    edit(deployment)
    broken = tmp_path / "deployment.yaml"
    broken.write_text(json.dumps(deployment))
    result = validate_manifests([broken], KUBERNETES_VERSIONS[0])
    assert result.returncode != 0
    assert message in result.stdout


def test_kustomization_lists_exactly_the_manifests_and_readme_explains_every_secret():
    assert kustomization_problems(K8S, REPO / ".env.example") == []


def test_kustomization_check_finds_missing_and_unlisted_files_and_undocumented_keys(tmp_path):
    folder = tmp_path / "k8s"
    shutil.copytree(K8S, folder)
    (folder / "flower.yaml").rename(folder / "flower-ui.yaml")
    env_example = tmp_path / ".env.example"
    env_example.write_text((REPO / ".env.example").read_text() + "NEW_SECRET=x\n")
    assert kustomization_problems(folder, env_example) == [
        "kustomization.yaml lists flower.yaml, which does not exist",
        "flower-ui.yaml is not listed in kustomization.yaml resources",
        "README.md does not explain the secret key NEW_SECRET",
    ]


# 4. deploy/rabbitmq/definitions.json matches shared_contracts.topology


def check_definitions(path: Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "ripple_runtime.rabbitmq_definitions", path, "--check")


# Each attempt is a fresh process: kombu keeps a queue's bindings in a set ordered by memory address,
# so a rendering that leans on that order passes some runs and fails others.
@pytest.mark.parametrize("attempt", range(8))
def test_rabbitmq_definitions_have_no_drift(attempt):
    result = check_definitions(REPO / "deploy" / "rabbitmq" / "definitions.json")
    assert result.returncode == 0, result.stdout


def test_definitions_check_fails_on_an_edited_queue_argument(tmp_path):
    text = (REPO / "deploy" / "rabbitmq" / "definitions.json").read_text()
    definitions = json.loads(text)
    assert json.dumps(definitions, indent=2, sort_keys=True) + "\n" == text  # only the edit differs
    queue = next(q for q in definitions["queues"] if "x-delivery-limit" in q["arguments"])
    queue["arguments"]["x-delivery-limit"] += 1
    broken = tmp_path / "definitions.json"
    broken.write_text(json.dumps(definitions, indent=2, sort_keys=True) + "\n")
    result = check_definitions(broken)
    assert result.returncode != 0
    assert "is out of date" in result.stdout


# 5. compose, the native runner (Procfiles), the image and k8s run the same processes


def real_runner_documents() -> tuple[dict, dict[str, str], str, list[dict]]:
    compose = load_yaml(REPO / "docker-compose.yml")
    procfiles = {name: (REPO / name).read_text() for name in PROCFILES}
    return compose, procfiles, (REPO / "deploy" / "Dockerfile").read_text(), load_manifests(K8S)


def test_compose_procfiles_image_and_k8s_agree():
    assert runner_mismatches(*real_runner_documents()) == []


def _extra_service(compose, procfiles, dockerfile, manifests):
    compose["services"]["audit-worker"] = {
        **compose["services"]["media-worker"],
        "command": ["audit", "worker"],
    }


def _changed_command(compose, procfiles, dockerfile, manifests):
    compose["services"]["search-api"]["command"] = ["search", "worker"]


def _other_healthcheck(compose, procfiles, dockerfile, manifests):
    compose["services"]["media-worker"]["healthcheck"] = {"test": ["CMD", "true"]}


def _k8s_args(compose, procfiles, dockerfile, manifests):
    job = next(d for d in manifests if d["metadata"]["name"] == "media-migrate")
    job["spec"]["template"]["spec"]["containers"][0]["args"] = ["media", "worker"]


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (_extra_service, "compose audit-worker: not in any Procfile"),
        (_changed_command, "deploy/Procfile search-api: runs"),
        (_other_healthcheck, "compose media-worker: healthcheck ['CMD', 'true']"),
        (_k8s_args, "k8s media-migrate: args ['media', 'worker']"),
    ],
    ids=["extra-compose-service", "changed-command", "healthcheck-not-ripple-sh", "k8s-args-differ"],
)
def test_runner_comparison_finds_a_broken_copy(break_it, problem):
    documents = real_runner_documents()
    break_it(*documents)
    problems = runner_mismatches(*documents)
    assert any(p.startswith(problem) for p in problems), problems


def test_runner_comparison_finds_a_changed_entrypoint():
    compose, procfiles, dockerfile, manifests = real_runner_documents()
    dockerfile = dockerfile.replace(
        'ENTRYPOINT ["/app/deploy/entrypoints/ripple.sh"]', 'ENTRYPOINT ["python"]'
    )
    problems = runner_mismatches(compose, procfiles, dockerfile, manifests)
    assert problems == ["Dockerfile: ENTRYPOINT is ['python'], not ['/app/deploy/entrypoints/ripple.sh']"]


# 6. the shell scripts of deploy/


def test_every_deploy_shell_script_parses_and_is_executable():
    scripts = shell_scripts(REPO / "deploy")
    assert REPO / "deploy" / "entrypoints" / "ripple.sh" in scripts
    assert REPO / "deploy" / "rabbitmq" / "start.sh" in scripts
    assert shell_problems(scripts) == []


def test_shell_check_finds_a_syntax_error(tmp_path):
    broken = tmp_path / "broken.sh"
    broken.write_text("#!/usr/bin/env bash\nif true; then\n  echo unfinished\n")
    broken.chmod(0o755)
    [problem] = shell_problems([broken])
    assert problem.startswith("broken.sh: bash -n:")
    assert "syntax error" in problem
