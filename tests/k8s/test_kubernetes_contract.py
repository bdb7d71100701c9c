"""The kubernetes executor keeps the executor contract, against a real kube-apiserver whose nodes
are kwok's.

kwok runs nothing: a pod's fate is the Stage its image selects (``kwok-stages.yaml``: success by
default, exit 3 for ``knitgraph.test/fails:1``, running until deleted for ``knitgraph.test/long:1``),
and every container's log is the file the testbed hands kwok (``testbed.pod_log``). So the hooks
below choose an image instead of a command, "printing" writes that file, and the mounts' contents
cannot change (``runs_commands = False``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import anyio.to_thread
import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from knitgraph.executors import LOST_WORKER, RUN_LABEL, Execution, ExitStatus, Job
from knitgraph.k8s.executor import KubernetesExecutor
from knitgraph.k8s.job_spec import job_name
from knitgraph.server.settings import Settings

from ..executors.contract import ExecutorContract, Task
from .conftest import DATA_CLAIM, NAMESPACE
from .testbed import LocalCluster

SUCCEEDS = "knitgraph.test/contract:1"
IMAGE_OF_EXIT = {0: SUCCEEDS, 3: "knitgraph.test/fails:1"}
RUNS_UNTIL_DELETED = "knitgraph.test/long:1"


class TestKubernetesContract(ExecutorContract):
    __test__ = True

    survives_server = True  # Jobs outlive the server and are found again by name
    runs_commands = False  # kwok's nodes run nothing
    ended_outside: ClassVar[ExitStatus] = LOST_WORKER  # a deleted Job
    failure_message = "(container main) Error"  # the container's terminated reason, as Knitfab says

    @pytest.fixture
    def executor(self, testbed: LocalCluster, admin: k8s.ApiClient, server_kubeconfig: Path,
                 tmp_path: Path) -> Iterator[KubernetesExecutor]:
        self.pod_log, self.admin = testbed.pod_log, admin
        settings = Settings(KNITGRAPH_HOME=tmp_path, KUBECONFIG=str(server_kubeconfig),
                            KNITGRAPH_K8S_NAMESPACE=NAMESPACE, KNITGRAPH_K8S_DATA_CLAIM=DATA_CLAIM)
        executor = KubernetesExecutor(settings)  # the server's own settings, defaults and all
        yield executor
        executor.client.close()

    def exits(self, code: int, printing: str) -> Task:
        self.pod_log.write_text(f"2026-01-01T00:00:00.000000000Z stdout F {printing}\n")
        return Task(IMAGE_OF_EXIT[code], None)

    def runs_until_stopped(self) -> Task:
        return Task(RUNS_UNTIL_DELETED, None)

    def writes_output(self, text: str) -> Task:
        return Task(SUCCEEDS, None)

    def writes_input(self) -> Task:
        return Task(SUCCEEDS, None)

    async def end_outside(self, job: Job, execution: Execution) -> None:
        batch = k8s.BatchV1Api(self.admin)
        await anyio.to_thread.run_sync(lambda: batch.delete_namespaced_job(
            job_name(job.run_id), NAMESPACE, propagation_policy="Background"))

    async def task_runs(self, job: Job) -> bool:
        def running() -> bool:
            pods = k8s.CoreV1Api(self.admin).list_namespaced_pod(
                NAMESPACE, label_selector=f"{RUN_LABEL}={job.run_id}").items
            try:
                k8s.BatchV1Api(self.admin).read_namespaced_job(job_name(job.run_id), NAMESPACE)
            except ApiException as exc:
                if exc.status == 404:
                    return bool(pods)
                raise
            return True

        return await anyio.to_thread.run_sync(running)
