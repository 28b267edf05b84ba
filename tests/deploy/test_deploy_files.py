"""The deployment files parse and agree with the code: probes on /healthz, one shared key, grace periods that let
SIGTERM finish in-flight work before the kill, an HPA on CPU aimed at the Deployment, and only real settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.config.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES = DEPLOY / "kubernetes"


def _settings_names() -> set[str]:
    names = {name.upper() for name in Settings.model_fields}
    for field in Settings.model_fields.values():
        choices = getattr(field.validation_alias, "choices", None) or []
        names.update(str(choice).upper() for choice in choices)
    return names


def _kubernetes() -> dict[str, dict[str, Any]]:
    """Every manifest in deploy/kubernetes, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found[document["kind"]] = document
    return found


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: str(item.get("value", "")) for item in container.get("env", [])}


def test_compose_runs_two_replicas_on_postgres_with_one_shared_key() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    replicas = {name: service for name, service in services.items() if name.startswith("lookout-")}

    assert set(replicas) == {"lookout-1", "lookout-2"}
    assert "postgres" in services
    for service in replicas.values():
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["LOOKOUT_SECRET_KEY"].startswith("${LOOKOUT_SECRET_KEY:?")  # required, same for both
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        # Compose's default is 10 s before SIGKILL; ours outlasts the shutdown grace.
        grace = float(env["LOOKOUT_SHUTDOWN_GRACE_SECONDS"])
        assert float(service["stop_grace_period"].removesuffix("s")) > grace
        assert service["build"]["context"] == ".." and service["build"]["dockerfile"] == "Dockerfile"
        assert set(env) <= _settings_names()
    assert replicas["lookout-1"]["environment"] == replicas["lookout-2"]["environment"]
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "lookout-1:3000" in caddy and "lookout-2:3000" in caddy and "health_uri /healthz" in caddy


def test_kubernetes_deployment_probes_health_and_outlasts_the_shutdown_grace() -> None:
    manifests = _kubernetes()
    deployment = manifests["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = _env(container)

    assert deployment["spec"]["replicas"] >= 2
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
        assert container[probe]["httpGet"]["port"] == "http"
    assert {port["name"]: port["containerPort"] for port in container["ports"]} == {"http": 3000}
    assert container["command"] == ["lookout", "serve", "--port", "3000"]
    # SIGTERM arrives after preStop; the pod must get the whole shutdown grace before the kill.
    pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = float(env["LOOKOUT_SHUTDOWN_GRACE_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + grace + 5
    # A lease short enough that a dead leader is replaced within 30 s (renewed every quarter of it).
    assert float(env["LOOKOUT_SCHEDULER_LEASE_SECONDS"]) * 1.25 <= 30
    assert container["resources"]["requests"]["cpu"]  # the HPA's utilization is relative to it
    assert set(env) <= _settings_names()
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    dockerfile = (DEPLOY.parent / "Dockerfile").read_text()
    uid = re.search(r"--uid (\d+)", dockerfile)
    assert uid is not None and pod["securityContext"]["runAsUser"] == int(uid.group(1))
    assert "EXPOSE 3000" in dockerfile


def test_kubernetes_service_hpa_and_secret_point_at_the_deployment() -> None:
    manifests = _kubernetes()
    deployment, service, hpa = manifests["Deployment"], manifests["Service"], manifests["HorizontalPodAutoscaler"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]

    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "lookout"}
    assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    secret = manifests["Secret"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
    assert {"DATABASE_URL", "LOOKOUT_SECRET_KEY", "SLACK_SIGNING_SECRET"} <= set(secret["stringData"])
    assert set(secret["stringData"]) <= _settings_names()
    assert manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert all((KUBERNETES / name).exists() for name in kustomization["resources"])
