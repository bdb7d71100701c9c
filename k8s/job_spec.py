"""A Run's task as a Kubernetes Job manifest (pure: no cluster needed).

As Knitfab builds its worker (reference §7.10): one Job per Run, parallelism 1, backoffLimit 0,
restartPolicy Never, no service links, the service-account token mounted only when the plan names
a service account, container ``main`` with the plan's image, entrypoint (``command``) and args,
resource **limits** from the plan's resources, and ``on_node`` turned into tolerations and node
affinity. Inputs and outputs are sub-paths of one ReadWriteMany volume (the Data volume, mounted
in the server at ``data_root``): inputs read-only, outputs writable. The log is not mounted: the
executor copies the container's log through the API (Knitfab uses a sidecar for that).

The pod is restricted (Kubernetes' "restricted" Pod Security Standard, but for the user): the
runtime's default seccomp profile, every capability dropped, no privilege escalation, a read-only
root file system with an ``emptyDir`` ``/tmp`` of the Run's ``ephemeral-storage``. Given a uid
and gid, it runs as that non-root user; without, as the image's user (Knitfab's images often need
root). Only Kubernetes resources become limits: knitgraph's own (``timeout``, ``pids``,
``output``) are enforced by the server.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from knitgraph.executors import RUN_LABEL, Job, task_name
from knitgraph.executors.limits import LIMIT_KINDS
from knitgraph.graph_schema.errors import InvalidInputError

CONTAINER = "main"
DATA_VOLUME = "data"
SCRATCH_VOLUME = "scratch"
SCRATCH = "/tmp"
_NAME_LIMIT = 63

Manifest = dict[str, Any]


def job_name(run_id: str) -> str:
    """``knit-run-<runId>`` as a valid Job name (lowercase alphanumerics and '-', at most 63)."""
    name = re.sub(r"[^a-z0-9-]+", "-", task_name(run_id).lower())
    return name[:_NAME_LIMIT].rstrip("-")


def sub_path(source: PurePosixPath, data_root: PurePosixPath) -> str:
    """Where a mount's folder is on the Data volume, relative to its root."""
    try:
        relative = source.relative_to(data_root)
    except ValueError:
        raise InvalidInputError(
            "a Data folder is not on the Data volume (KNITGRAPH_K8S_DATA_ROOT)",
            "KNITGRAPH_K8S_DATA_ROOT must be where the server mounts KNITGRAPH_K8S_DATA_CLAIM, "
            "and KNITGRAPH_HOME must be on it",
        ) from None
    if str(relative) in ("", "."):
        raise InvalidInputError("a Data folder is the Data volume's root itself", "check KNITGRAPH_HOME")
    return str(relative)


def _labels(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(key, value) for key, _, value in (label.partition("=") for label in values)]


def tolerations(on_node: dict[str, tuple[str, ...]]) -> list[Manifest]:
    """``may``: tolerate NoSchedule; ``prefer`` and ``must``: tolerate NoSchedule and PreferNoSchedule."""
    result: list[Manifest] = []
    effects = {"may": ("NoSchedule",), "prefer": ("NoSchedule", "PreferNoSchedule"),
               "must": ("NoSchedule", "PreferNoSchedule")}
    for mode in ("may", "prefer", "must"):
        for key, value in _labels(on_node.get(mode, ())):
            for effect in effects[mode]:
                toleration = {"key": key, "operator": "Equal", "value": value, "effect": effect}
                if toleration not in result:
                    result.append(toleration)
    return result


def affinity(on_node: dict[str, tuple[str, ...]]) -> Manifest | None:
    """``prefer``: a preferred term of weight 1 per label; ``must``: one required term, ``In`` over
    the values of each key."""
    node_affinity: Manifest = {}
    preferred = [
        {"weight": 1, "preference": {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}}
        for key, value in _labels(on_node.get("prefer", ()))
    ]
    if preferred:
        node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    required: dict[str, list[str]] = {}
    for key, value in _labels(on_node.get("must", ())):
        required.setdefault(key, [])
        if value not in required[key]:
            required[key].append(value)
    if required:
        expressions = [{"key": key, "operator": "In", "values": values} for key, values in required.items()]
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [{"matchExpressions": expressions}]
        }
    return {"nodeAffinity": node_affinity} if node_affinity else None


def security_contexts(run_as: tuple[int, int] | None) -> tuple[Manifest, Manifest]:
    """(pod's, container's) securityContext: restricted, as the given non-root uid and gid if any."""
    pod: Manifest = {"seccompProfile": {"type": "RuntimeDefault"}}
    if run_as is not None:
        pod.update(runAsNonRoot=True, runAsUser=run_as[0], runAsGroup=run_as[1])
    container: Manifest = {"allowPrivilegeEscalation": False, "privileged": False,
                           "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True}
    return pod, container


def build_job(job: Job, *, namespace: str, claim: str, data_root: PurePosixPath,
              run_as: tuple[int, int] | None = None) -> Manifest:
    """The Job manifest for one Run (a dict in the API's own shape)."""
    pod_security, container_security = security_contexts(run_as)
    container: Manifest = {
        "name": CONTAINER,
        "image": job.image,
        "securityContext": container_security,
        "volumeMounts": [
            {"name": DATA_VOLUME, "mountPath": mount.target, "subPath": sub_path(PurePosixPath(mount.source), data_root),
             "readOnly": not mount.writable}
            for mount in job.mounts
        ] + [{"name": SCRATCH_VOLUME, "mountPath": SCRATCH}],
    }
    if job.entrypoint is not None:
        container["command"] = list(job.entrypoint)
    if job.args is not None:
        container["args"] = list(job.args)
    if job.env:
        container["env"] = [{"name": name, "value": value} for name, value in job.env.items()]
    limits = {kind: value for kind, value in job.resources.items()
              if kind not in LIMIT_KINDS or kind == "ephemeral-storage"}
    if limits:
        container["resources"] = {"limits": limits}
    scratch: Manifest = {"name": SCRATCH_VOLUME, "emptyDir": {}}
    if "ephemeral-storage" in job.resources:
        scratch["emptyDir"]["sizeLimit"] = job.resources["ephemeral-storage"]
    pod: Manifest = {
        "restartPolicy": "Never",
        "enableServiceLinks": False,
        "automountServiceAccountToken": job.service_account is not None,
        "securityContext": pod_security,
        "containers": [container],
        "volumes": [{"name": DATA_VOLUME, "persistentVolumeClaim": {"claimName": claim}}, scratch],
    }
    if job.service_account is not None:
        pod["serviceAccountName"] = job.service_account
    if found := tolerations(job.on_node):
        pod["tolerations"] = found
    if found_affinity := affinity(job.on_node):
        pod["affinity"] = found_affinity
    labels = {RUN_LABEL: job.run_id}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job_name(job.run_id), "namespace": namespace, "labels": labels},
        "spec": {
            "parallelism": 1,
            "completions": 1,
            "backoffLimit": 0,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def build_service(job: Job, *, namespace: str) -> dict[str, Any]:
    """The Service in front of a service Run's pod: named like its Job, selecting the pod by the run
    label, its port the plan's service port. The API server reaches the task through it."""
    assert job.service is not None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": job_name(job.run_id), "namespace": namespace, "labels": {RUN_LABEL: job.run_id}},
        "spec": {
            "type": "ClusterIP",
            "selector": {RUN_LABEL: job.run_id},
            "ports": [{"name": "service", "protocol": "TCP", "port": job.service.port,
                       "targetPort": job.service.port}],
        },
    }
