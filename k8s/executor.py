"""The ``kubernetes`` executor: one Job per Run, through the official ``kubernetes`` client.

The cluster is ``KUBECONFIG``'s current context, else the pod's own (in-cluster). Jobs are named
``knit-run-<runId>`` and labelled ``knitgraph.run`` in ``KNITGRAPH_K8S_NAMESPACE``; they mount
the Data volume (``KNITGRAPH_K8S_DATA_CLAIM``, a ReadWriteMany claim that the server mounts at
``KNITGRAPH_K8S_DATA_ROOT``) with a sub-path per Data. Jobs outlive the server: ``reattach``
finds one by name. The Job is polled until it ends (``job_status.classify``); the container's
log is copied from the pod log API into the Run's log; the Job is deleted once the Run's outcome
is recorded.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, cast

import anyio
import anyio.to_thread
import kubernetes.client
import kubernetes.config
from kubernetes.client import ApiClient, BatchV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError

from knitgraph.executors import LOST_WORKER, RUN_LABEL, ExitStatus, Job
from knitgraph.graph_schema.errors import InvalidInputError, UnavailableError

from . import job_spec, job_status

logger = logging.getLogger("knitgraph.k8s")
POLL_SECONDS = 1.0
LOG_GRACE_SECONDS = 5
REQUEST_TIMEOUT = 30


class KubernetesSettings(Protocol):
    """What the kubernetes executor reads of the server's settings."""

    @property
    def kubeconfig(self) -> str | None: ...

    @property
    def k8s_namespace(self) -> str: ...

    @property
    def k8s_data_claim(self) -> str: ...

    @property
    def data_root(self) -> Path: ...

    @property
    def k8s_run_as_ids(self) -> tuple[int, int] | None: ...


def api_client(settings: KubernetesSettings) -> ApiClient:
    """A client for the configured cluster: ``KUBECONFIG``, else in-cluster, else ~/.kube/config."""
    configuration = kubernetes.client.Configuration()
    try:
        if settings.kubeconfig:
            kubernetes.config.load_kube_config(config_file=settings.kubeconfig, client_configuration=configuration)
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            kubernetes.config.load_incluster_config(client_configuration=configuration)
        else:
            kubernetes.config.load_kube_config(client_configuration=configuration)
    except (ConfigException, OSError) as exc:
        logger.warning("no Kubernetes cluster is configured: %s", exc)
        raise UnavailableError(
            "no Kubernetes cluster is configured (the server log has the details)",
            "set KUBECONFIG, or run the server in a pod with a service account",
        ) from exc
    return ApiClient(configuration)


def _reason(exc: ApiException) -> str:
    return f"{exc.status} {exc.reason}: {(exc.body or '').strip()[:500]}"


class KubernetesExecution:
    def __init__(self, executor: KubernetesExecutor, job: Job, name: str) -> None:
        self.executor = executor
        self.job = job
        self.name = name
        self.stopped = False
        self.log_thread: threading.Thread | None = None
        self.log_pod: str | None = None
        self.log_response: Any = None  # the followed log stream (a urllib3 response)
        self.log_complete = False
        self.log_cut = False  # set when the executor itself ends a stream left open

    # -- the Job's state -------------------------------------------------------------------

    def _poll(self) -> job_status.JobState | None:
        """The Job's state now; None when the Job no longer exists."""
        ex = self.executor
        namespace = ex.settings.k8s_namespace
        try:
            job = ex.batch.read_namespaced_job(self.name, namespace, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        pods = ex.core.list_namespaced_pod(
            namespace, label_selector=f"{RUN_LABEL}={self.job.run_id}", _request_timeout=REQUEST_TIMEOUT
        ).items
        job_dict, pod_dicts = ex.plain(job), [ex.plain(pod) for pod in pods]
        events: dict[str, Any] = {}
        for pod in pod_dicts:
            if job_status.needs_events(pod):
                pod_name = pod["metadata"]["name"]
                found = ex.core.list_namespaced_event(
                    namespace, field_selector=f"involvedObject.kind=Pod,involvedObject.name={pod_name}",
                    _request_timeout=REQUEST_TIMEOUT).items
                if (event := job_status.latest([ex.plain(e) for e in found])) is not None:
                    events[pod_name] = event
        state = job_status.classify(job_dict, pod_dicts, events)
        if state.phase != "starting" and self.log_thread is None:
            started = [p for p in pod_dicts if (p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")]
            if started:
                self._follow_log(started[0]["metadata"]["name"])
        return state

    async def wait(self) -> ExitStatus:
        while True:
            try:
                state = await anyio.to_thread.run_sync(self._poll)
            except (ApiException, HTTPError) as exc:
                logger.warning("run %s: cannot read job %s now: %s", self.job.run_id, self.name, exc)
                state = job_status.STARTING
            if state is None:
                return ExitStatus(137, "stopped") if self.stopped else LOST_WORKER
            if state.phase == "ended":
                assert state.exit is not None
                if self.log_thread is not None:
                    await anyio.to_thread.run_sync(self._finish_log)
                return state.exit
            await anyio.sleep(POLL_SECONDS)

    # -- the log ---------------------------------------------------------------------------

    def _follow_log(self, pod_name: str) -> None:
        if self.job.log_file is None:
            return
        self.log_pod = pod_name
        self.log_thread = threading.Thread(target=self._copy_log, args=(pod_name, self.job.log_file),
                                           name=f"log-{self.name}", daemon=True)
        self.log_thread.start()

    def _copy_log(self, pod_name: str, log_file: Path, follow: bool = True) -> None:
        """The container's output into the Run's log, from its start (so a re-attached Run's log
        is whole again)."""
        ex = self.executor
        with open(log_file, "wb") as log:
            response = None
            try:
                # With _preload_content=False the client returns the raw urllib3 response, not str.
                response = cast(Any, ex.core.read_namespaced_pod_log(
                    pod_name, ex.settings.k8s_namespace, container=job_spec.CONTAINER, follow=follow,
                    _preload_content=False, _request_timeout=None if follow else REQUEST_TIMEOUT))
                if follow:
                    self.log_response = response
                for chunk in response.stream(1 << 16):
                    log.write(chunk)
                    log.flush()
                self.log_complete = not self.log_cut
            except ApiException as exc:
                # A node that serves no logs, or a pod already gone.
                logger.warning("run %s: the log of pod %s cannot be read: %s", self.job.run_id, pod_name, _reason(exc))
            except (HTTPError, OSError, ValueError) as exc:
                if not self.log_cut:
                    logger.warning("run %s: reading the log of pod %s stopped: %s", self.job.run_id, pod_name, exc)
            finally:
                if response is not None:
                    response.close()  # in this thread: closing it from another one could block on its read

    def _finish_log(self) -> None:
        """Once the container has ended, its log stream ends too. A stream left open (a node that
        does not close it, as kwok's) is cut after a grace, and the whole log read again at once."""
        assert self.log_thread is not None
        self.log_thread.join(LOG_GRACE_SECONDS)
        if not self.log_thread.is_alive() and self.log_complete:
            return
        if self.log_thread.is_alive() and self.log_response is not None:
            self.log_cut = True
            try:
                self.log_response.shutdown()  # unblocks the reading thread
            except (ValueError, RuntimeError, OSError):
                pass  # released or closed meanwhile: the thread is ending anyway
            self.log_thread.join(LOG_GRACE_SECONDS)
        if self.log_thread.is_alive():
            logger.warning("run %s: the log of pod %s is still being read; it may be cut short",
                           self.job.run_id, self.log_pod)
        elif self.job.log_file is not None and self.log_pod is not None:
            self.log_cut = False
            self._copy_log(self.log_pod, self.job.log_file, follow=False)

    # -- ending ----------------------------------------------------------------------------

    def service_socket(self) -> tuple[socket.socket, tuple[str, int]]:
        """A service Run is reached through its Service's cluster IP (the server runs in the cluster)."""
        if self.job.service is None:
            raise UnavailableError("this Run serves nothing", "only a service plan's Runs are reachable")
        ex = self.executor
        try:
            found = ex.core.read_namespaced_service(self.name, ex.settings.k8s_namespace, _request_timeout=REQUEST_TIMEOUT)
        except (ApiException, HTTPError) as exc:
            raise OSError(errno.EHOSTUNREACH, f"its Service {self.name} cannot be read: {exc}") from None
        address = found.spec.cluster_ip if found.spec else None
        if not address or address == "None":
            raise OSError(errno.EHOSTUNREACH, f"its Service {self.name} has no cluster IP")
        made = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        made.setblocking(False)
        return made, (address, self.job.service.port)

    def _delete(self) -> None:
        ex = self.executor
        try:
            ex.batch.delete_namespaced_job(self.name, ex.settings.k8s_namespace, propagation_policy="Background",
                                           _request_timeout=REQUEST_TIMEOUT)
        except ApiException as exc:
            if exc.status != 404:
                raise
        if self.job.service is not None:
            try:
                ex.core.delete_namespaced_service(self.name, ex.settings.k8s_namespace, _request_timeout=REQUEST_TIMEOUT)
            except ApiException as exc:
                if exc.status != 404:
                    raise

    async def stop(self) -> None:
        """Delete the Job: its pod gets SIGTERM, then SIGKILL after its grace period."""
        self.stopped = True
        await anyio.to_thread.run_sync(self._delete)

    async def cleanup(self) -> None:
        try:
            await anyio.to_thread.run_sync(self._delete)
        except (ApiException, HTTPError) as exc:
            logger.warning("run %s: job %s is left behind: %s", self.job.run_id, self.name, exc)


class KubernetesExecutor:
    name = "kubernetes"
    survives_server = True

    def __init__(self, settings: KubernetesSettings) -> None:
        self.settings = settings
        self._client: ApiClient | None = None

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = api_client(self.settings)
        return self._client

    @property
    def batch(self) -> BatchV1Api:
        return BatchV1Api(self.client)

    @property
    def core(self) -> CoreV1Api:
        return CoreV1Api(self.client)

    def plain(self, model: Any) -> dict[str, Any]:
        """An API object as the plain dict of its JSON form (what ``job_status`` reads)."""
        return dict(self.client.sanitize_for_serialization(model))

    def manifest(self, job: Job) -> dict[str, Any]:
        """The Job for ``job``, its mounts' folders resolved (symlinks too) against the Data volume."""
        root = PurePosixPath(os.path.realpath(self.settings.data_root))
        mounts = [replace(m, source=Path(os.path.realpath(m.source))) for m in job.mounts]
        return job_spec.build_job(replace(job, mounts=mounts), namespace=self.settings.k8s_namespace,
                                  claim=self.settings.k8s_data_claim, data_root=root,
                                  run_as=self.settings.k8s_run_as_ids)

    def _start(self, job: Job) -> KubernetesExecution:
        manifest = self.manifest(job)
        for mount in job.mounts:
            if mount.writable:
                # The task runs as its image's user, not the server's: it must be able to write.
                os.chmod(mount.source, 0o777)
        name = manifest["metadata"]["name"]
        try:
            # The client serializes a plain manifest dict as it is (its stubs ask for a V1Job).
            self.batch.create_namespaced_job(self.settings.k8s_namespace, cast(Any, manifest),
                                             _request_timeout=REQUEST_TIMEOUT)
            if job.service is not None:
                self._create_service(job, name)
        except ApiException as exc:
            if exc.status == 409:  # created before a crash: wait for that one
                if job.service is not None:
                    self._create_service(job, name)
                return KubernetesExecution(self, job, name)
            if exc.status in (400, 422):
                raise InvalidInputError(f"the cluster refused job {name}: {_reason(exc)}",
                                        "check the plan's image, resources, on_node and service account") from exc
            raise UnavailableError(f"the cluster refused job {name}: {_reason(exc)}",
                                   "check the server's access to the namespace (RBAC) and the cluster") from exc
        except HTTPError as exc:
            logger.warning("the Kubernetes API does not answer: %s", exc)
            raise UnavailableError("the Kubernetes API does not answer (the server log has the details)",
                                   "check KUBECONFIG or the in-cluster configuration") from exc
        return KubernetesExecution(self, job, name)

    def _create_service(self, job: Job, job_name: str) -> None:
        namespace = self.settings.k8s_namespace
        try:
            self.core.create_namespaced_service(namespace, cast(Any, job_spec.build_service(job, namespace=namespace)),
                                                _request_timeout=REQUEST_TIMEOUT)
        except ApiException as exc:
            if exc.status == 409:  # made before a crash
                return
            # No Job without its Service: the Run fails to start, with nothing left behind.
            self.batch.delete_namespaced_job(job_name, namespace, propagation_policy="Background",
                                             _request_timeout=REQUEST_TIMEOUT)
            raise

    async def start(self, job: Job) -> KubernetesExecution:
        return await anyio.to_thread.run_sync(self._start, job)

    def _reattach(self, job: Job) -> KubernetesExecution | None:
        name = job_spec.job_name(job.run_id)
        try:
            self.batch.read_namespaced_job(name, self.settings.k8s_namespace, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise UnavailableError(f"cannot read job {name}: {_reason(exc)}", "check the cluster") from exc
        return KubernetesExecution(self, job, name)

    async def reattach(self, job: Job) -> KubernetesExecution | None:
        return await anyio.to_thread.run_sync(self._reattach, job)
