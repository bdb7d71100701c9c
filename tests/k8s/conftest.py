"""Fixtures for the kubernetes executor: a real kube-apiserver with kwok's simulated nodes.

The testbed (``testbed.py``) starts once per session, only for tests that use it; if anything in
it cannot be built or started, those tests fail with the reason: nothing is skipped. The cluster
gets a namespace ``knitgraph`` with the chart's ServiceAccount and executor Role (the server acts
with exactly those rights), a ReadWriteMany claim for the Data, a ServiceAccount ``trainer`` for
plans, and two nodes: ``kwok-cpu`` and ``kwok-gpu`` (label and taint ``accelerator=gpu``).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, new_token
from .testbed import LocalCluster, kubeconfig, start_testbed

NAMESPACE = "knitgraph"
RELEASE = "knitgraph"  # the chart's objects are then named "knitgraph", "knitgraph-executor", ...
SERVER_USER = f"system:serviceaccount:{NAMESPACE}:{RELEASE}"
SERVER_TOKEN = "knitgraph-test-server"
DATA_CLAIM = "knitgraph-data"
CHART = Path(__file__).resolve().parents[2] / "k8s" / "chart" / "knitgraph"


def eventually(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def render_chart(testbed: LocalCluster, values: dict[str, Any], namespace: str = NAMESPACE,
                 release: str = RELEASE) -> list[dict[str, Any]]:
    """``helm template`` of the chart: its objects, as dicts."""
    values_file = testbed.root / f"values-{release}-{len(values)}.yaml"
    values_file.write_text(yaml.safe_dump(values))
    result = subprocess.run(
        [str(testbed.bin / "helm"), "template", release, str(CHART), "--namespace", namespace, "-f", str(values_file)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def api_client(path: Path) -> k8s.ApiClient:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(path), client_configuration=configuration)
    return k8s.ApiClient(configuration)


def _node(name: str, labels: dict[str, str], taints: list[dict[str, str]]) -> dict[str, Any]:
    # As a real node reports it, ephemeral-storage included (Runs ask for their scratch as a limit).
    capacity = {"cpu": "32", "memory": "256Gi", "ephemeral-storage": "500Gi", "pods": "110", "nvidia.com/gpu": "8"}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
                     "labels": {"kubernetes.io/hostname": name, "type": "kwok", **labels}},
        "spec": {"taints": taints},
        "status": {"capacity": capacity, "allocatable": capacity},
    }


def _prepare(testbed: LocalCluster) -> None:
    admin = api_client(testbed.admin_kubeconfig)
    core = k8s.CoreV1Api(admin)
    core.create_namespace({"metadata": {"name": NAMESPACE}})
    core.create_node(_node("kwok-cpu", {}, []))
    core.create_node(_node("kwok-gpu", {"accelerator": "gpu"},
                           [{"key": "accelerator", "value": "gpu", "effect": "NoSchedule"}]))

    def nodes_ready() -> bool:
        nodes = core.list_node().items
        return len(nodes) == 2 and all(any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or ())
                                       for n in nodes)

    eventually(nodes_ready, "kwok to make the nodes Ready")
    eventually(lambda: any(sa.metadata.name == "default" for sa in core.list_namespaced_service_account(NAMESPACE).items),
               "the default service account")
    core.create_namespaced_service_account(NAMESPACE, {"metadata": {"name": "trainer"}})
    core.create_persistent_volume({
        "metadata": {"name": "knitgraph-data-pv"},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany"], "storageClassName": "",
                 "hostPath": {"path": str(testbed.root / "data-volume")},
                 "persistentVolumeReclaimPolicy": "Retain"},
    })
    core.create_namespaced_persistent_volume_claim(NAMESPACE, {
        "metadata": {"name": DATA_CLAIM},
        "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "", "resources": {"requests": {"storage": "10Gi"}}},
    })
    eventually(lambda: core.read_namespaced_persistent_volume_claim(DATA_CLAIM, NAMESPACE).status.phase == "Bound",
               "the Data claim to be bound")
    # The server acts as the chart's ServiceAccount, with the chart's Role: what it may do is what
    # the chart grants.
    rbac = k8s.RbacAuthorizationV1Api(admin)
    for obj in render_chart(testbed, {"dataVolume": {"existingClaim": DATA_CLAIM}}):
        if obj["kind"] == "ServiceAccount":
            core.create_namespaced_service_account(NAMESPACE, obj)
        elif obj["kind"] == "Role":
            rbac.create_namespaced_role(NAMESPACE, obj)
        elif obj["kind"] == "RoleBinding":
            rbac.create_namespaced_role_binding(NAMESPACE, obj)
    admin.close()


@pytest.fixture(scope="session")
def testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    groups = ["system:serviceaccounts", f"system:serviceaccounts:{NAMESPACE}", "system:authenticated"]
    bed = start_testbed(tmp_path_factory.mktemp("k8s"), {SERVER_USER: (SERVER_TOKEN, groups)})
    try:
        _prepare(bed)
        yield bed
    finally:
        bed.stop()


@pytest.fixture
def admin(testbed: LocalCluster) -> Iterator[k8s.ApiClient]:
    api = api_client(testbed.admin_kubeconfig)
    yield api
    api.close()


@pytest.fixture(scope="session")
def server_kubeconfig(testbed: LocalCluster) -> Path:
    path = testbed.root / "server.kubeconfig"
    path.write_text(kubeconfig(testbed.server, testbed.root / "pki" / "ca.crt", SERVER_TOKEN, "knitgraph"))
    return path


def k8s_settings(settings: Settings, kubeconfig_path: Path, **changes: Any) -> Settings:
    return settings.model_copy(update={
        "executor": "kubernetes", "kubeconfig": str(kubeconfig_path), "k8s_namespace": NAMESPACE,
        "k8s_data_claim": DATA_CLAIM, **changes,
    })


@pytest.fixture
def k8s_knit(clean_graph: Settings, server_kubeconfig: Path) -> Iterator[Knit]:
    """`knit` against an app whose executor is `kubernetes` (the testbed, as the chart's account)."""
    with app_client(k8s_settings(clean_graph, server_kubeconfig), new_token(clean_graph)) as test_client:
        yield Knit(test_client)


class Recorder:
    """Every version of every Job and pod the namespace sees, from watches (Jobs are deleted once
    their Run finishes, so the tests read them here)."""

    def __init__(self, api: k8s.ApiClient) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.pods: dict[str, dict[str, Any]] = {}
        self.deleted: set[tuple[str, str]] = set()  # (kind, name)
        self.api = api
        self.watches: list[watch.Watch] = []
        self.threads = [threading.Thread(target=self._watch, args=(kind,), daemon=True) for kind in ("job", "pod")]
        for thread in self.threads:
            thread.start()

    def _watch(self, kind: str) -> None:
        stream_watch = watch.Watch()
        self.watches.append(stream_watch)
        if kind == "job":
            lister, seen = k8s.BatchV1Api(self.api).list_namespaced_job, self.jobs
        else:
            lister, seen = k8s.CoreV1Api(self.api).list_namespaced_pod, self.pods
        try:
            for event in stream_watch.stream(lister, NAMESPACE, timeout_seconds=600):
                obj = self.api.sanitize_for_serialization(event["object"])
                name = obj["metadata"]["name"]
                if event["type"] == "DELETED":
                    self.deleted.add((kind, name))
                else:
                    seen[name] = obj
        except (ApiException, Exception):  # noqa: BLE001, S110 - the watch ends with the test
            pass

    def stop(self) -> None:
        for stream_watch in self.watches:
            stream_watch.stop()


@pytest.fixture
def recorder(admin: k8s.ApiClient) -> Iterator[Recorder]:
    seen = Recorder(admin)
    time.sleep(0.5)  # let both watches open
    yield seen
    seen.stop()
