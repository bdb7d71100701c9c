"""A real, small Kubernetes control plane on 127.0.0.1 for the tests, with simulated nodes.

etcd, kube-apiserver, kube-controller-manager (only the controllers Jobs need: job, garbage
collector, service accounts, volume binding, node lifecycle) and kube-scheduler, all built from Go
modules by ``k8s/testbed/build.sh``, plus kwok, which plays the kubelet of fake
nodes: it moves their pods through phases by its Stages (``kwok-stages.yaml``) and serves their
logs from a file (``ClusterLogs``). Everything runs in one temporary folder on free ports and dies
with the test process.
"""

from __future__ import annotations

import base64
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knitgraph.executors.processes import die_with_parent

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "k8s" / "testbed" / "build.sh"
STAGES = Path(__file__).with_name("kwok-stages.yaml")
ADMIN_TOKEN = "knitgraph-test-admin"
START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_binaries() -> Path:
    """The folder of the built binaries (built now unless cached); fails loudly."""
    result = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{BUILD_SCRIPT} failed ({result.returncode}):\n{result.stderr[-5000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(folder: Path) -> None:
    """A CA, the API server's serving certificate (127.0.0.1) and the service-account key pair."""
    folder.mkdir(parents=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=knitgraph-test-ca", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr",
             "-subj", "/CN=kube-apiserver", cwd=folder)
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n")
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "apiserver.crt", "-days", "2", "-extfile", "san.cnf", cwd=folder)
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=folder)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=folder)


def kubeconfig(server: str, ca: Path, token: str, user: str) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {
            "server": server, "certificate-authority-data": base64.b64encode(ca.read_bytes()).decode()}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": user}}],
    })


@dataclass
class LocalCluster:
    root: Path
    bin: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    server: str = ""
    admin_kubeconfig: Path = Path()
    tokens: dict[str, str] = field(default_factory=dict)  # user name -> token (static token file)
    pod_log: Path = Path()  # what kwok serves as every simulated container's log

    def start(self, name: str, command: list[str]) -> None:
        with open(self.root / f"{name}.log", "wb") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                    preexec_fn=die_with_parent, cwd=self.root)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.root / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_for(self, what: str, check: Callable[[], bool], names: tuple[str, ...]) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            for name in names:
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited ({self.processes[name].returncode}) before {what}:\n"
                                       f"{self.log_tail(name)}")
            try:
                if check():
                    return
            except Exception:  # noqa: BLE001, S110 - not up yet
                pass
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}\n{self.log_tail(n)}" for n in names)
                raise RuntimeError(f"timed out waiting for {what}\n{tails}")
            time.sleep(0.3)

    def stop(self) -> None:
        """In reverse order, one at a time: the API server shuts down at once while etcd is there."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _https_ok(url: str, ca: Path, token: str) -> bool:
    context = ssl.create_default_context(cafile=str(ca))
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, context=context, timeout=5) as response:
        return bool(response.status == 200)


def start_testbed(root: Path, extra_tokens: dict[str, tuple[str, list[str]]]) -> LocalCluster:
    """Start the control plane and kwok under ``root``. ``extra_tokens`` maps a user name to
    (token, groups) for the static token file (identities the tests act as)."""
    testbed = LocalCluster(root=root, bin=build_binaries())
    etcd = str(testbed.bin / "etcd")
    pki = root / "pki"
    make_pki(pki)
    lines = [f'{ADMIN_TOKEN},admin,admin,"system:masters"']
    testbed.tokens["admin"] = ADMIN_TOKEN
    for user, (token, groups) in extra_tokens.items():
        lines.append(f'{token},{user},{user},"{",".join(groups)}"')
        testbed.tokens[user] = token
    (root / "tokens.csv").write_text("\n".join(lines) + "\n")

    try:
        etcd_client, etcd_peer = free_port(), free_port()
        testbed.start("etcd", [
            etcd, "--name", "test", "--data-dir", str(root / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{etcd_client}",
            "--advertise-client-urls", f"http://127.0.0.1:{etcd_client}",
            "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
            "--initial-cluster", f"test=http://127.0.0.1:{etcd_peer}",
        ])
        testbed.wait_for("etcd health", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{etcd_client}/health", timeout=2).status == 200, ("etcd",))

        api_port = free_port()
        testbed.server = f"https://127.0.0.1:{api_port}"
        testbed.start("kube-apiserver", [
            str(testbed.bin / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{etcd_client}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={api_port}",
            f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}", f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--token-auth-file={root / 'tokens.csv'}", "--authorization-mode=RBAC",
            "--service-cluster-ip-range=10.96.0.0/16", f"--cert-dir={root / 'apiserver-certs'}",
            "--kubelet-preferred-address-types=InternalIP", "--anonymous-auth=false",
        ])
        ca = pki / "ca.crt"
        testbed.wait_for("kube-apiserver /readyz", lambda: _https_ok(f"{testbed.server}/readyz", ca, ADMIN_TOKEN),
                         ("etcd", "kube-apiserver"))

        testbed.admin_kubeconfig = root / "admin.kubeconfig"
        testbed.admin_kubeconfig.write_text(kubeconfig(testbed.server, ca, ADMIN_TOKEN, "admin"))
        admin = str(testbed.admin_kubeconfig)
        testbed.start("kube-controller-manager", [
            str(testbed.bin / "kube-controller-manager"), f"--kubeconfig={admin}",
            "--controllers=job-controller,garbage-collector-controller,ttl-after-finished-controller,"
            "serviceaccount-controller,serviceaccount-token-controller,persistentvolume-binder-controller,"
            "namespace-controller,node-lifecycle-controller",
            f"--service-account-private-key-file={pki / 'sa.key'}", f"--root-ca-file={ca}",
            "--leader-elect=false", "--bind-address=127.0.0.1", f"--secure-port={free_port()}",
            "--concurrent-job-syncs=5",
        ])
        scheduler_port = free_port()
        testbed.start("kube-scheduler", [
            str(testbed.bin / "kube-scheduler"), f"--kubeconfig={admin}", "--leader-elect=false",
            "--bind-address=127.0.0.1", f"--secure-port={scheduler_port}",
            f"--authentication-kubeconfig={admin}", f"--authorization-kubeconfig={admin}",
        ])
        testbed.pod_log = root / "pod.log"
        testbed.pod_log.write_text("")
        kwok_config = root / "kwok.yaml"
        cluster_logs = {
            "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterLogs", "metadata": {"name": "all-pods"},
            "spec": {"logs": [{"containers": ["main"], "logsFile": str(testbed.pod_log), "follow": False}]},
        }
        kwok_config.write_text(STAGES.read_text() + "\n---\n" + yaml.safe_dump(cluster_logs))
        kwok_port = free_port()
        testbed.start("kwok", [
            str(testbed.bin / "kwok"), f"--kubeconfig={admin}", f"--config={kwok_config}",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--node-ip=127.0.0.1", f"--node-port={kwok_port}", f"--server-address=127.0.0.1:{kwok_port}",
            "--node-lease-duration-seconds=40",
        ])
        names = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
        testbed.wait_for("kube-scheduler /healthz", lambda: urllib.request.urlopen(
            urllib.request.Request(f"https://127.0.0.1:{scheduler_port}/healthz"),
            context=ssl._create_unverified_context(), timeout=2).status == 200, names)
    except BaseException:
        testbed.stop()
        raise
    return testbed
