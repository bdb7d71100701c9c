"""The Job manifest of a Run (pure: no cluster)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from knitgraph.executors import Job, Mount
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.k8s.job_spec import build_job, job_name

ROOT = PurePosixPath("/var/lib/knitgraph")


def make_job(**changes: object) -> Job:
    fields: dict[str, object] = {
        "run_id": "0b6f2c1e-2f5e-4d7a-9d7e-7a1b2c3d4e5f", "image": "repo/train:v1", "entrypoint": ["python"],
        "args": ["train.py"],
        "mounts": [Mount(Path("/var/lib/knitgraph/content/in-1"), "/in/dataset", writable=False),
                   Mount(Path("/var/lib/knitgraph/content/out-1"), "/out/model", writable=True)],
        "log_file": Path("/var/lib/knitgraph/content/log-1/log"),
        "resources": {"cpu": "500m", "memory": "1Gi", "nvidia.com/gpu": "1"},
    }
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


def test_one_job_per_run_as_knitfab_builds_it() -> None:
    manifest = build_job(make_job(), namespace="knit", claim="knitgraph-data", data_root=ROOT)
    assert manifest["metadata"] == {"name": "knit-run-0b6f2c1e-2f5e-4d7a-9d7e-7a1b2c3d4e5f", "namespace": "knit",
                                    "labels": {"knitgraph.run": "0b6f2c1e-2f5e-4d7a-9d7e-7a1b2c3d4e5f"}}
    spec = manifest["spec"]
    assert (spec["parallelism"], spec["completions"], spec["backoffLimit"]) == (1, 1, 0)
    pod = spec["template"]["spec"]
    assert spec["template"]["metadata"]["labels"] == manifest["metadata"]["labels"]
    assert pod["restartPolicy"] == "Never" and pod["enableServiceLinks"] is False
    assert pod["automountServiceAccountToken"] is False and "serviceAccountName" not in pod
    assert pod["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "knitgraph-data"}},
                              {"name": "scratch", "emptyDir": {}}]
    (container,) = pod["containers"]
    assert container["name"] == "main" and container["image"] == "repo/train:v1"
    assert (container["command"], container["args"]) == (["python"], ["train.py"])
    assert container["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi", "nvidia.com/gpu": "1"}}
    assert container["volumeMounts"] == [
        {"name": "data", "mountPath": "/in/dataset", "subPath": "content/in-1", "readOnly": True},
        {"name": "data", "mountPath": "/out/model", "subPath": "content/out-1", "readOnly": False},
        {"name": "scratch", "mountPath": "/tmp"},
    ]
    assert "tolerations" not in pod and "affinity" not in pod


def test_image_defaults_stay_when_the_plan_sets_no_entrypoint_or_args() -> None:
    manifest = build_job(make_job(entrypoint=None, args=None, resources={}), namespace="n", claim="c", data_root=ROOT)
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    assert "command" not in container and "args" not in container and "resources" not in container


def test_the_runs_variables_reach_its_container() -> None:
    job = make_job(env={"KNIT_RUN_ID": "0b6f2c1e", "KNIT_RUN_ATTEMPT": "2", "FROM_HOOK": "yes"})
    (container,) = build_job(job, namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]["containers"]
    assert container["env"] == [{"name": "KNIT_RUN_ID", "value": "0b6f2c1e"}, {"name": "KNIT_RUN_ATTEMPT", "value": "2"},
                                {"name": "FROM_HOOK", "value": "yes"}]
    (bare,) = build_job(make_job(), namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]["containers"]
    assert "env" not in bare


def test_service_account_mounts_its_token() -> None:
    pod = build_job(make_job(service_account="trainer"), namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "trainer" and pod["automountServiceAccountToken"] is True


def test_on_node_becomes_tolerations_and_node_affinity() -> None:
    on_node = {"may": ("vram=large",), "prefer": ("vram=huge", "zone=a"), "must": ("accelerator=gpu", "accelerator=tpu")}
    pod = build_job(make_job(on_node=on_node), namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]

    def toleration(key: str, value: str, effect: str) -> dict[str, str]:
        return {"key": key, "operator": "Equal", "value": value, "effect": effect}

    assert pod["tolerations"] == [
        toleration("vram", "large", "NoSchedule"),
        toleration("vram", "huge", "NoSchedule"), toleration("vram", "huge", "PreferNoSchedule"),
        toleration("zone", "a", "NoSchedule"), toleration("zone", "a", "PreferNoSchedule"),
        toleration("accelerator", "gpu", "NoSchedule"), toleration("accelerator", "gpu", "PreferNoSchedule"),
        toleration("accelerator", "tpu", "NoSchedule"), toleration("accelerator", "tpu", "PreferNoSchedule"),
    ]
    node_affinity = pod["affinity"]["nodeAffinity"]
    assert node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {"weight": 1, "preference": {"matchExpressions": [{"key": "vram", "operator": "In", "values": ["huge"]}]}},
        {"weight": 1, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}},
    ]
    assert node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] == {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "accelerator", "operator": "In", "values": ["gpu", "tpu"]}]}]}


def test_may_alone_tolerates_without_affinity() -> None:
    pod = build_job(make_job(on_node={"may": ("spot=yes",)}), namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]
    assert pod["tolerations"] == [{"key": "spot", "operator": "Equal", "value": "yes", "effect": "NoSchedule"}]
    assert "affinity" not in pod


def test_a_folder_off_the_data_volume_is_refused() -> None:
    job = make_job(mounts=[Mount(Path("/elsewhere/content/x"), "/in/x", writable=False)])
    with pytest.raises(InvalidInputError, match="not on the Data volume"):
        build_job(job, namespace="n", claim="c", data_root=ROOT)


def test_job_names_follow_kubernetes_rules() -> None:
    assert job_name("ABC_def") == "knit-run-abc-def"
    assert len(job_name("x" * 80)) == 63


def test_pods_are_restricted_and_run_as_the_image_user_unless_told() -> None:
    pod = build_job(make_job(), namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    (container,) = pod["containers"]
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "privileged": False,
                                            "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True}


def test_a_given_uid_makes_the_pod_non_root() -> None:
    pod = build_job(make_job(), namespace="n", claim="c", data_root=ROOT, run_as=(65534, 65534))["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": True,
                                      "runAsUser": 65534, "runAsGroup": 65534}


def test_knitgraph_limits_stay_out_of_the_pod_and_scratch_is_sized() -> None:
    resources = {"cpu": "1", "memory": "1Gi", "timeout": "2h", "pids": "64", "output": "5Gi",
                 "ephemeral-storage": "2Gi"}
    pod = build_job(make_job(resources=resources), namespace="n", claim="c", data_root=ROOT)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"] == {"limits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "2Gi"}}
    assert {"name": "scratch", "emptyDir": {"sizeLimit": "2Gi"}} in pod["volumes"]
