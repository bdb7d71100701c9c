"""HTTPS with a certificate knitgraph makes: `knitgraph up` hands its CA to knit in the knitprofile,
as Knitfab does, and knit gets in; a client that does not trust the CA does not."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from ..conftest import free_port
from .processes import BIN, knit, knit_json

pytestmark = pytest.mark.e2e


def _knitgraph(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(BIN / "knitgraph"), *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"knitgraph {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


def test_generated_certificate_serves_https_to_knit(neo4j_env: dict[str, str], tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NEO4J_", "KNIT_"))}
    env.update(neo4j_env, KNITGRAPH_HOME=str(tmp_path / "home"), KNITGRAPH_PORT=str(free_port()),
               KNITGRAPH_TLS="generate", KNITGRAPH_EXECUTOR="process")  # no Podman service: not this test's
    _knitgraph("up", env=env)
    try:
        profile = json.loads((tmp_path / "home" / "knitprofile").read_text())
        assert profile["apiRoot"].startswith("https://127.0.0.1:")
        ca = base64.b64decode(profile["cert"]["ca"]).decode()
        assert "api server: up" in _knitgraph("status", env=env).stdout

        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "x").write_text("x")
        pushed = knit_json("data", "push", "-t", "over:https", str(tmp_path / "d"), env=env, cwd=tmp_path)
        assert [d["knitId"] for d in knit_json("data", "find", "-t", "over:https", env=env, cwd=tmp_path)] == \
            [pushed["knitId"]]

        trusted = ssl.create_default_context(cadata=ca)
        assert httpx.get(f"{profile['apiRoot']}/healthz", verify=trusted).status_code == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{profile['apiRoot']}/healthz")
        with pytest.raises(httpx.HTTPError):
            httpx.get(profile["apiRoot"].replace("https://", "http://") + "/healthz")
        untrusting = {**env, "KNIT_SERVER": profile["apiRoot"], "KNIT_TOKEN": profile["token"],
                      "KNITGRAPH_HOME": str(tmp_path / "elsewhere")}
        refused = knit("data", "find", env=untrusting, cwd=tmp_path, expect=1)
        assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr or "certificate" in refused.stderr.lower()
    finally:
        _knitgraph("down", env=env)
