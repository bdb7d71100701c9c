"""The Helm chart: rendered by a real `helm template`, every object validated by the test API
server (server-side dry-run with strict field validation: its own OpenAPI schemas and admission).

Objects go as raw JSON through the dynamic client: the typed client would check (and drop) fields
itself before the server sees them."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from .conftest import api_client, render_chart
from .testbed import LocalCluster

NAMESPACE = "chart-test"
EXTERNAL = {"neo4j": {"external": {"uri": "neo4j+s://example.databases.neo4j.io"}, "password": "secret"}}


@pytest.fixture(scope="module")
def chart_namespace(testbed: LocalCluster) -> str:
    api = api_client(testbed.admin_kubeconfig)
    k8s.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})
    api.close()
    return NAMESPACE


def dry_run_create(admin: k8s.ApiClient, obj: dict[str, Any], namespace: str) -> None:
    resource = DynamicClient(admin).resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    resource.create(body=obj, namespace=namespace, query_params=[("dryRun", "All"), ("fieldValidation", "Strict")])


def by_kind(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        kinds.setdefault(obj["kind"], []).append(obj)
    return kinds


def env_of(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@pytest.mark.parametrize("values", [{}, EXTERNAL], ids=["bundled-neo4j", "external-neo4j"])
def test_every_rendered_object_is_valid_for_the_api_server(testbed: LocalCluster, admin: k8s.ApiClient,
                                                          chart_namespace: str, values: dict[str, Any]) -> None:
    objects = render_chart(testbed, values, namespace=chart_namespace, release="demo")
    assert len(objects) >= 7
    for obj in objects:
        try:
            dry_run_create(admin, obj, chart_namespace)
        except ApiException as exc:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']}: {exc.body}")


def test_bundled_neo4j_and_the_server_with_the_kubernetes_executor(testbed: LocalCluster) -> None:
    kinds = by_kind(render_chart(testbed, {}, namespace=NAMESPACE, release="demo"))
    assert sorted(kinds) == ["Deployment", "PersistentVolumeClaim", "Role", "RoleBinding", "Secret", "Service",
                             "ServiceAccount", "StatefulSet"]
    (statefulset,) = kinds["StatefulSet"]
    assert statefulset["spec"]["template"]["spec"]["containers"][0]["image"] == "neo4j:5.26-community"
    assert statefulset["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    (claim,) = kinds["PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    (deployment,) = kinds["Deployment"]
    env = env_of(deployment)
    assert env["KNITGRAPH_EXECUTOR"] == "kubernetes" and env["KNITGRAPH_K8S_NAMESPACE"] == NAMESPACE
    assert env["KNITGRAPH_K8S_DATA_CLAIM"] == claim["metadata"]["name"] == "demo-knitgraph-data"
    assert env["KNITGRAPH_K8S_DATA_ROOT"] == env["KNITGRAPH_HOME"] == "/var/lib/knitgraph"
    assert env["NEO4J_URI"] == "bolt://demo-knitgraph-neo4j:7687"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "demo-knitgraph"
    assert pod["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "demo-knitgraph-data"}}]
    (role,) = kinds["Role"]
    assert role["rules"] == [
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "delete"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": ["create", "get", "delete"]},  # service Runs
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["list"]},
    ]


def test_an_external_neo4j_replaces_the_bundled_one(testbed: LocalCluster) -> None:
    kinds = by_kind(render_chart(testbed, EXTERNAL, namespace=NAMESPACE, release="demo"))
    assert "StatefulSet" not in kinds
    assert [s["metadata"]["name"] for s in kinds["Service"]] == ["demo-knitgraph"]
    env = env_of(kinds["Deployment"][0])
    assert env["NEO4J_URI"] == "neo4j+s://example.databases.neo4j.io"
    assert env["NEO4J_PASSWORD"] == {"secretKeyRef": {"name": "demo-knitgraph-neo4j", "key": "NEO4J_PASSWORD"}}


def test_the_validation_is_real(testbed: LocalCluster, admin: k8s.ApiClient, chart_namespace: str) -> None:
    """A field the schema does not know, or a value it does not allow, is refused."""
    kinds = by_kind(render_chart(testbed, {}, namespace=chart_namespace, release="demo"))
    deployment = kinds["Deployment"][0]
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"
    claim = kinds["PersistentVolumeClaim"][0]
    claim["spec"]["sizeOfIt"] = "50Gi"
    with pytest.raises(ApiException) as refused:
        dry_run_create(admin, deployment, chart_namespace)
    assert refused.value.status == 422 and "imagePullPolicy: Unsupported value" in refused.value.body
    with pytest.raises(ApiException) as refused:
        dry_run_create(admin, claim, chart_namespace)
    assert refused.value.status == 400 and "unknown field" in refused.value.body and "spec.sizeOfIt" in refused.value.body
