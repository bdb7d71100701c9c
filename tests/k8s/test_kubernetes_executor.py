"""The kubernetes executor against a real kube-apiserver, with kwok simulating the nodes' pods.

kwok does not run containers: pods move through the phases its Stages give them (by image, see
``kwok-stages.yaml``) and every container's log is the file ``testbed.pod_log``. So outputs stay
empty; what is checked is what the executor asks of Kubernetes and how it reads the answers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s

from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, new_token
from .conftest import NAMESPACE, Recorder, eventually, k8s_settings
from .testbed import LocalCluster


def apply(knit: Knit, tmp_path: Path, name: str, plan: dict[str, object]) -> str:
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump(plan))
    return str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])


def push(knit: Knit, tmp_path: Path, *tags: str) -> str:
    folder = tmp_path / "dataset"
    folder.mkdir(exist_ok=True)
    (folder / "data.csv").write_text("1,a\n2,b\n")
    args = [part for tag in tags for part in ("-t", tag)]
    return str(json.loads(knit("data", "push", *args, str(folder)).stdout)["knitId"])


def only_run(knit: Knit, plan_id: str) -> dict[str, Any]:
    (run,) = eventually(lambda: json.loads(knit("run", "find", "-p", plan_id).stdout), f"a run of plan {plan_id}")
    return dict(run)


def gone(admin: k8s.ApiClient, run_id: str) -> bool:
    selector = f"knitgraph.run={run_id}"
    return not k8s.BatchV1Api(admin).list_namespaced_job(NAMESPACE, label_selector=selector).items \
        and not k8s.CoreV1Api(admin).list_namespaced_pod(NAMESPACE, label_selector=selector).items


def test_two_step_pipeline_runs_as_jobs(k8s_knit: Knit, recorder: Recorder, admin: k8s.ApiClient,
                                        testbed: LocalCluster, tmp_path: Path) -> None:
    knit = k8s_knit
    testbed.pod_log.write_text("2026-01-01T00:00:00.000000000Z stdout F trained (as kwok tells)\n")
    train = apply(knit, tmp_path, "train", {
        "image": "knitgraph.test/train:1", "entrypoint": ["python"], "args": ["train.py", "--epochs", "3"],
        "inputs": [{"path": "/in/dataset", "tags": ["type:dataset", "via:k8s"]}],
        "outputs": [{"path": "/out/model", "tags": ["type:model", "via:k8s"]}],
        "log": {"tags": ["type:log", "via:k8s"]},
        "resources": {"cpu": "500m", "memory": "64Mi"},
        "on_node": {"must": ["accelerator=gpu"]},
        "service_account": "trainer",
    })
    validate = apply(knit, tmp_path, "validate", {
        "image": "knitgraph.test/validate:1",
        "inputs": [{"path": "/in/model", "tags": ["type:model", "via:k8s"]}],
        "outputs": [{"path": "/out/metrics", "tags": ["type:metrics", "via:k8s"]}],
        "on_node": {"may": ["accelerator=gpu"]},
    })
    dataset = push(knit, tmp_path, "type:dataset", "via:k8s")

    train_run = only_run(knit, train)
    trained = json.loads(knit("run", "wait", "--timeout", "120", train_run["runId"]).stdout)
    assert trained["status"] == "done" and trained["exit"] == {"code": 0, "message": ""}
    assert trained["executor"] == "kubernetes"
    assert knit("run", "show", "--log", train_run["runId"]).stdout == "trained (as kwok tells)\n"
    model = trained["outputs"][0]["knitId"]

    validate_run = only_run(knit, validate)
    validated = json.loads(knit("run", "wait", "--timeout", "120", validate_run["runId"]).stdout)
    assert validated["status"] == "done"
    assert validated["inputs"][0]["knitId"] == model

    # What the executor asked of Kubernetes (recorded by watches: the Jobs are gone now).
    job = recorder.jobs[f"knit-run-{train_run['runId']}"]
    assert job["metadata"]["labels"] == {"knitgraph.run": train_run["runId"]}
    assert job["spec"]["backoffLimit"] == 0
    pod_spec = job["spec"]["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Never"
    assert pod_spec["serviceAccountName"] == "trainer" and pod_spec["automountServiceAccountToken"] is True
    assert pod_spec["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "knitgraph-data"}},
                                   {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}}]  # the private /tmp
    (container,) = pod_spec["containers"]
    assert container["image"] == "knitgraph.test/train:1"
    assert (container["command"], container["args"]) == (["python"], ["train.py", "--epochs", "3"])
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "64Mi", "ephemeral-storage": "1Gi"}
    assert sorted(container["volumeMounts"], key=lambda m: m["mountPath"]) == [
        {"name": "data", "mountPath": "/in/dataset", "subPath": f"content/{dataset}", "readOnly": True},
        {"name": "data", "mountPath": "/out/model", "subPath": f"content/{model}"},
        {"name": "scratch", "mountPath": "/tmp"},
    ]
    assert pod_spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "accelerator", "operator": "In", "values": ["gpu"]}]}]}
    assert {(t["key"], t["value"], t["effect"]) for t in pod_spec["tolerations"]} >= {
        ("accelerator", "gpu", "NoSchedule"), ("accelerator", "gpu", "PreferNoSchedule")}
    # The real scheduler placed it by that affinity (and its toleration of the node's taint).
    (train_pod,) = [p for p in recorder.pods.values() if p["metadata"]["labels"].get("knitgraph.run") == train_run["runId"]]
    assert train_pod["spec"]["nodeName"] == "kwok-gpu"
    # The restricted profile: non-root (KNITGRAPH_K8S_RUN_AS), no privilege escalation, no capabilities.
    assert train_pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert train_pod["spec"]["securityContext"]["runAsUser"] == 65534
    container = train_pod["spec"]["containers"][0]["securityContext"]
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"] == {"drop": ["ALL"]}

    validate_spec = recorder.jobs[f"knit-run-{validate_run['runId']}"]["spec"]["template"]["spec"]
    assert "serviceAccountName" not in validate_spec or validate_spec["serviceAccountName"] == "default"
    assert validate_spec["automountServiceAccountToken"] is False
    assert "affinity" not in validate_spec
    (validate_container,) = validate_spec["containers"]
    assert "command" not in validate_container and "args" not in validate_container
    assert validate_container["volumeMounts"][0] == {
        "name": "data", "mountPath": "/in/model", "subPath": f"content/{model}", "readOnly": True}

    # Finished Runs leave no Job nor pod behind.
    for run in (train_run, validate_run):
        eventually(lambda run=run: gone(admin, run["runId"]), f"the job of run {run['runId']} to be deleted")

    # Data go in and out through the server; kwok ran nothing, so the model is an empty folder.
    knit("data", "pull", "-x", model, str(tmp_path / "pulled"))
    assert list((tmp_path / "pulled" / model).iterdir()) == []


def test_an_image_that_cannot_be_pulled_fails_the_run_readably(k8s_knit: Knit, admin: k8s.ApiClient,
                                                                tmp_path: Path) -> None:
    knit = k8s_knit
    plan = apply(knit, tmp_path, "missing", {
        "image": "knitgraph.test/missing:1", "inputs": [{"path": "/in/1", "tags": ["kind:missing"]}],
    })
    push(knit, tmp_path, "kind:missing")
    run = only_run(knit, plan)
    knit("run", "wait", "--timeout", "120", run["runId"], expect=1)
    failed = json.loads(knit("run", "show", run["runId"]).stdout)
    assert failed["status"] == "failed" and failed["exit"]["code"] == 255
    message = failed["exit"]["message"]
    assert message.startswith(f"(pod knit-run-{run['runId']}-")
    # The cluster reports the failed pull twice, as an event and in the pod's status, in either
    # order; the Run fails on whichever is seen first, and both name the image and why.
    assert ('[ErrImagePull] failed to pull and unpack image "knitgraph.test/missing:1": not found' in message
            or '[Failed] Failed to pull image "knitgraph.test/missing:1": not found' in message), message
    eventually(lambda: gone(admin, run["runId"]), "the stuck run's job and pod to be deleted")


def test_a_job_outlives_its_server_and_is_reattached(clean_graph: Settings, server_kubeconfig: Path,
                                                     admin: k8s.ApiClient, tmp_path: Path) -> None:
    settings = k8s_settings(clean_graph, server_kubeconfig, run_lease_seconds=1.0)
    with app_client(settings, new_token(settings)) as first:
        knit = Knit(first)
        plan = apply(knit, tmp_path, "long", {
            "image": "knitgraph.test/long:1", "inputs": [{"path": "/in/1", "tags": ["kind:long"]}],
        })
        push(knit, tmp_path, "kind:long")
        run = only_run(knit, plan)
        eventually(lambda: json.loads(knit("run", "show", run["runId"]).stdout)["status"] == "running",
                   "the run to be running")
    # The server is gone; its Job is not.
    name = f"knit-run-{run['runId']}"
    assert k8s.BatchV1Api(admin).read_namespaced_job(name, NAMESPACE).metadata.name == name
    with app_client(settings, new_token(settings)) as second:
        knit = Knit(second)
        # The first server's lease runs out within a second; recovery (every 2 seconds) then
        # re-attaches to the Job: a Run whose task were gone would be failed (254) instead.
        time.sleep(5)
        assert json.loads(knit("run", "show", run["runId"]).stdout)["status"] == "running"
        knit("run", "stop", run["runId"])
        stopped = json.loads(knit("run", "wait", "--timeout", "60", run["runId"]).stdout)
        assert stopped["status"] == "done" and stopped["exit"] == {"code": 0, "message": "stopped by user"}
        eventually(lambda: gone(admin, run["runId"]), "the stopped run's job to be deleted")


def test_a_service_run_gets_a_service_and_fails_readably_when_never_healthy(
    clean_graph: Settings, server_kubeconfig: Path, admin: k8s.ApiClient, tmp_path: Path,
) -> None:
    """kwok runs no container, so the service never answers: what is checked is the Service the
    executor makes for the pod (selector and port), and the Run failing with the health error,
    leaving neither Job nor Service behind."""
    settings = k8s_settings(clean_graph, server_kubeconfig, service_health_seconds=3.0)
    with app_client(settings, new_token(clean_graph)) as test_client:
        knit = Knit(test_client)
        plan = apply(knit, tmp_path, "serve", {
            "image": "knitgraph.test/long:1",
            "inputs": [{"path": "/in/model", "tags": ["type:model", "via:k8s-serving"]}],
            "log": {"tags": ["type:log", "via:k8s-serving"]},
            "annotations": ["knitgraph.io/service=kwok-model", "knitgraph.io/service-port=8501",
                            "knitgraph.io/service-health=/v1/models/m"],
        })
        push(knit, tmp_path, "type:model", "via:k8s-serving")
        run_id = only_run(knit, plan)["runId"]
        name = f"knit-run-{run_id}"
        service = eventually(lambda: next(iter(k8s.CoreV1Api(admin).list_namespaced_service(
            NAMESPACE, label_selector=f"knitgraph.run={run_id}").items), None), f"the Service of run {run_id}")
        assert service.metadata.name == name
        assert service.spec.selector == {"knitgraph.run": run_id}
        (port,) = service.spec.ports
        assert (port.port, port.target_port) == (8501, 8501)
        assert service.spec.cluster_ip  # what the server connects to

        ended = json.loads(knit("run", "wait", "--timeout", "60", run_id, expect=1).stdout)
        assert ended["status"] == "failed"
        assert ended["exit"]["message"].startswith("service 'kwok-model' not healthy after 3 s:")
        # (The log is the pod's, copied again whole at the end: the reason is in the exit message.)
        eventually(lambda: gone(admin, run_id) and not k8s.CoreV1Api(admin).list_namespaced_service(
            NAMESPACE, label_selector=f"knitgraph.run={run_id}").items, f"the Job and Service of run {run_id} to go")
        assert test_client.get("/serve/kwok-model/v1/models/m").status_code == 404
