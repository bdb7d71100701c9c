"""`knit plan template` logic (reference §5.3) on real tarballs shaped like `docker save` output.

Pure tests: no server, no database.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from typing import Any

import pytest
import yaml

from knitgraph.cli.errors import KnitCliError
from knitgraph.cli.plan_template import GENERATED_MESSAGE, image_template, scratch_template
from knitgraph.cli.profiles import KnitEnv

PLAN_KEYS = ["annotations", "image", "entrypoint", "args", "inputs", "outputs", "log", "active", "resources"]

TRAIN_CMD = ["python", "train.py", "--data", "/in/dataset", "--save-to", "/out/model"]


def empty_layer() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w"):
        pass
    return buffer.getvalue()


def add_file(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    archive.addfile(info, io.BytesIO(content))


def image_config(
    entrypoint: list[str] | None = None,
    cmd: list[str] | None = None,
    working_dir: str = "/work",
    volumes: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Entrypoint": entrypoint,
            "Cmd": cmd,
            "WorkingDir": working_dir,
            "Volumes": {volume: {} for volume in volumes} if volumes is not None else None,
        },
        "rootfs": {"type": "layers", "diff_ids": []},
    }


def docker_save(images: list[tuple[list[str], dict[str, Any]]]) -> bytes:
    """A tarball in the legacy `docker save` layout: manifest.json, <hex>.json, <hex>/layer.tar."""
    buffer = io.BytesIO()
    manifest = []
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for repo_tags, config in images:
            config_bytes = json.dumps(config).encode()
            digest = hashlib.sha256(config_bytes).hexdigest()
            layer = f"{digest[::-1]}/layer.tar"
            add_file(archive, f"{digest}.json", config_bytes)
            add_file(archive, layer, empty_layer())
            manifest.append({"Config": f"{digest}.json", "RepoTags": repo_tags or None, "Layers": [layer]})
        add_file(archive, "manifest.json", json.dumps(manifest).encode())
    return buffer.getvalue()


def oci_save(reference: str, config: dict[str, Any], with_manifest_json: bool = False) -> bytes:
    """A tarball in the OCI layout: blobs/sha256/... and index.json (podman, skopeo).

    ``with_manifest_json`` adds the manifest.json pointing into blobs/ that docker >= 25 also writes.
    """
    buffer = io.BytesIO()

    def blob(archive: tarfile.TarFile, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        add_file(archive, f"blobs/sha256/{digest}", content)
        return f"sha256:{digest}"

    with tarfile.open(fileobj=buffer, mode="w") as archive:
        config_bytes = json.dumps(config).encode()
        layer_digest = blob(archive, empty_layer())
        config_digest = blob(archive, config_bytes)
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": config_digest, "size": len(config_bytes)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": 1024}],
        }).encode()
        manifest_digest = blob(archive, manifest)
        index = {
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": len(manifest),
                "annotations": {"io.containerd.image.name": reference, "org.opencontainers.image.ref.name": "v1"},
            }],
        }
        add_file(archive, "index.json", json.dumps(index).encode())
        add_file(archive, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        if with_manifest_json:
            blobs = [f"blobs/sha256/{digest.split(':')[1]}" for digest in (config_digest, layer_digest)]
            manifest_json = [{"Config": blobs[0], "RepoTags": [reference], "Layers": blobs[1:]}]
            add_file(archive, "manifest.json", json.dumps(manifest_json).encode())
    return buffer.getvalue()


class Unseekable(io.RawIOBase):
    """Like stdin: readable once, front to back."""

    def __init__(self, content: bytes) -> None:
        self._source = io.BytesIO(content)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._source.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def template_of(tar: bytes, image: str | None = None, env: KnitEnv | None = None) -> dict[str, Any]:
    text = image_template(io.BytesIO(tar), image, env or KnitEnv())
    return dict(yaml.safe_load(text))


def train_image(tags: list[str] | None = None) -> bytes:
    return docker_save([(tags or ["repo/name:tag"], image_config(cmd=TRAIN_CMD))])


# ---------------------------------------------------------------- --scratch


def test_scratch_uses_example_tag_when_knitenv_is_empty() -> None:
    plan = yaml.safe_load(scratch_template(KnitEnv()))
    assert list(plan) == PLAN_KEYS
    assert plan["image"] == "image:version"
    assert plan["inputs"] == [{"path": "/in", "tags": ["example:tag"]}]
    assert plan["outputs"] == [{"path": "/out", "tags": ["example:tag"]}]
    assert plan["log"] == {"tags": ["type:log", "example:tag"]}
    assert plan["resources"] == {"cpu": "1", "memory": "1Gi"}
    assert plan["active"] is True
    assert plan["annotations"] == []


def test_scratch_uses_knitenv_tags_and_resources_when_knitenv_has_them() -> None:
    env = KnitEnv(tags=["project:demo", "owner:me"], resources={"memory": "4Gi", "nvidia.com/gpu": "1"})
    plan = yaml.safe_load(scratch_template(env))
    assert plan["inputs"] == [{"path": "/in", "tags": ["project:demo", "owner:me"]}]
    assert plan["outputs"] == [{"path": "/out", "tags": ["project:demo", "owner:me"]}]
    assert plan["log"] == {"tags": ["type:log", "project:demo", "owner:me"]}
    assert plan["resources"] == {"cpu": "1", "memory": "4Gi", "nvidia.com/gpu": "1"}


def test_scratch_documents_optional_keys_as_comments_when_generated() -> None:
    text = scratch_template(KnitEnv())
    plan = yaml.safe_load(text)
    assert "on_node" not in plan and "service_account" not in plan
    for commented in ("# on_node:", '# service_account: "default"', '#   - "description=This is a Plan for ..."'):
        assert commented in text
    for documented in ("# annotations (optional, mutable):", "# image:", "# entrypoint:", "# args:", "# inputs:",
                       "# outputs:", "# log (optional):", "# active (optional, mutable):",
                       "# resources (optional, mutable):", "# cpu (optional; default = 1):"):
        assert documented in text
    assert GENERATED_MESSAGE == "# Plan file is generated. modify it as you like."


def test_scratch_rejects_knitenv_resource_when_quantity_is_invalid() -> None:
    with pytest.raises(KnitCliError) as raised:
        scratch_template(KnitEnv(resources={"cpu": "two"}))
    assert "cpu" in raised.value.reason and "knitenv" in raised.value.reason
    assert "500m" in raised.value.advice


# ---------------------------------------------------------------- from an image


def test_image_guesses_typed_mountpoints_when_cmd_names_in_and_out_paths() -> None:
    plan = template_of(train_image())
    assert list(plan) == PLAN_KEYS
    assert plan["inputs"] == [{"path": "/in/dataset", "tags": ["type:dataset"]}]
    assert plan["outputs"] == [{"path": "/out/model", "tags": ["type:model"]}]
    assert plan["log"] == {"tags": ["type:log"]}
    assert plan["resources"] == {"cpu": "1", "memory": "1Gi"}
    assert plan["active"] is True


def test_image_copies_entrypoint_args_and_repo_tag_when_image_has_them() -> None:
    config = image_config(entrypoint=["python", "-u"], cmd=["train.py", "--epochs", "3"])
    plan = template_of(docker_save([(["192.0.2.1:30503/spam/train:v1.0"], config)]))
    assert plan["image"] == "192.0.2.1:30503/spam/train:v1.0"
    assert plan["entrypoint"] == ["python", "-u"]
    assert plan["args"] == ["train.py", "--epochs", "3"]
    assert plan["inputs"] == [] and plan["outputs"] == []


def test_image_adds_knitenv_tags_when_knitenv_has_tags() -> None:
    plan = template_of(train_image(), env=KnitEnv(tags=["project:spam"], resources={"cpu": "500m"}))
    assert plan["inputs"] == [{"path": "/in/dataset", "tags": ["project:spam", "type:dataset"]}]
    assert plan["outputs"] == [{"path": "/out/model", "tags": ["project:spam", "type:model"]}]
    assert plan["log"] == {"tags": ["type:log", "project:spam"]}
    assert plan["resources"] == {"cpu": "500m", "memory": "1Gi"}


def test_image_resolves_relative_paths_against_workdir_when_token_is_relative() -> None:
    config = image_config(entrypoint=["./run.sh"], cmd=["in/x", "out/y/"], working_dir="/work")
    plan = template_of(docker_save([(["repo/name:tag"], config)]))
    assert plan["inputs"] == [{"path": "/work/in/x", "tags": ["type:x"]}]
    assert plan["outputs"] == [{"path": "/work/out/y", "tags": ["type:y"]}]


def test_image_resolves_relative_paths_against_root_when_workdir_is_unset() -> None:
    plan = template_of(docker_save([(["repo/name:tag"], image_config(cmd=["in/x"], working_dir=""))]))
    assert plan["inputs"] == [{"path": "/in/x", "tags": ["type:x"]}]


def test_image_reads_volumes_and_skips_in_out_segments_when_naming_type() -> None:
    config = image_config(cmd=["python", "main.py"], volumes=["/in/data", "/data/in", "/out", "/cache"])
    plan = template_of(docker_save([(["repo/name:tag"], config)]))
    assert plan["inputs"] == [
        {"path": "/in/data", "tags": ["type:data"]},
        {"path": "/data/in", "tags": ["type:data"]},
    ]
    assert plan["outputs"] == [{"path": "/out", "tags": []}]


def test_image_finds_paths_when_cmd_is_shell_form_or_option_assignment() -> None:
    config = image_config(cmd=["/bin/sh", "-c", "python train.py --data=/in/dataset --save-to '/out/model'"])
    plan = template_of(docker_save([(["repo/name:tag"], config)]))
    assert [point["path"] for point in plan["inputs"]] == ["/in/dataset"]
    assert [point["path"] for point in plan["outputs"]] == ["/out/model"]
    assert plan["args"] == config["config"]["Cmd"]


def test_image_ignores_words_when_in_is_only_part_of_a_segment() -> None:
    config = image_config(cmd=["/bin/inspect", "/outputs/x", "login", "/input/y"])
    plan = template_of(docker_save([(["repo/name:tag"], config)]))
    assert plan["inputs"] == [] and plan["outputs"] == []


def test_image_reads_stream_when_input_is_unseekable_or_gzipped() -> None:
    for content in (train_image(), gzip.compress(train_image())):
        text = image_template(io.BufferedReader(Unseekable(content)), None, KnitEnv())
        plan = yaml.safe_load(text)
        assert plan["image"] == "repo/name:tag"
        assert [point["path"] for point in plan["inputs"]] == ["/in/dataset"]


def test_image_reads_oci_layout_when_there_is_no_manifest_json() -> None:
    plan = template_of(oci_save("registry.example/team/train:v1", image_config(cmd=TRAIN_CMD)))
    assert plan["image"] == "registry.example/team/train:v1"
    assert plan["args"] == TRAIN_CMD
    assert plan["inputs"] == [{"path": "/in/dataset", "tags": ["type:dataset"]}]


def test_image_reads_docker_25_layout_when_manifest_json_points_into_blobs() -> None:
    plan = template_of(oci_save("team/train:v2", image_config(cmd=TRAIN_CMD), with_manifest_json=True))
    assert plan["image"] == "team/train:v2"
    assert plan["outputs"] == [{"path": "/out/model", "tags": ["type:model"]}]


# ---------------------------------------------------------------- choosing the image


def two_images() -> bytes:
    return docker_save([
        (["repo/train:v1"], image_config(cmd=["train", "/in/dataset", "/out/model"])),
        (["repo/validate:v1"], image_config(cmd=["validate", "/in/model", "/out/metrics"])),
    ])


def test_image_fails_when_several_images_and_no_tag() -> None:
    with pytest.raises(KnitCliError) as raised:
        template_of(two_images())
    assert raised.value.reason == "multiple images found, specify the image tag"
    assert "repo/train:v1" in raised.value.advice and "repo/validate:v1" in raised.value.advice


def test_image_fails_when_one_image_has_several_tags_and_no_tag() -> None:
    with pytest.raises(KnitCliError) as raised:
        template_of(train_image(["repo/name:v1", "repo/name:latest"]))
    assert raised.value.reason == "multiple images found, specify the image tag"


def test_image_selects_image_when_tag_is_given() -> None:
    plan = template_of(two_images(), "repo/validate:v1")
    assert plan["image"] == "repo/validate:v1"
    assert plan["inputs"] == [{"path": "/in/model", "tags": ["type:model"]}]
    assert plan["outputs"] == [{"path": "/out/metrics", "tags": ["type:metrics"]}]


def test_image_matches_implicit_latest_and_docker_hub_when_tag_is_short() -> None:
    tar = docker_save([(["busybox:latest"], image_config(cmd=["sh"])), (["alpine:3"], image_config())])
    assert template_of(tar, "docker.io/library/busybox")["image"] == "busybox:latest"


def test_image_names_available_tags_when_given_tag_is_absent() -> None:
    with pytest.raises(KnitCliError) as raised:
        template_of(two_images(), "repo/other:v1")
    assert "repo/other:v1" in raised.value.reason
    assert "repo/train:v1" in raised.value.reason and "repo/validate:v1" in raised.value.reason
    assert raised.value.advice


def test_image_uses_argument_as_name_when_image_is_untagged() -> None:
    tar = docker_save([([], image_config(cmd=TRAIN_CMD))])
    assert template_of(tar, "mine/train:v2")["image"] == "mine/train:v2"
    assert template_of(tar)["image"] == "image:version"


# ---------------------------------------------------------------- broken input


def test_image_fails_with_advice_when_input_is_not_a_tar() -> None:
    with pytest.raises(KnitCliError) as raised:
        image_template(io.BytesIO(b"this is not an image archive\n" * 40), None, KnitEnv())
    assert "not a tar archive" in raised.value.reason
    assert "docker save" in raised.value.advice


def test_image_fails_with_advice_when_input_is_empty() -> None:
    with pytest.raises(KnitCliError) as raised:
        image_template(io.BytesIO(b""), None, KnitEnv())
    assert "docker save" in raised.value.advice


def test_image_fails_when_tar_has_no_manifest() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        add_file(archive, "hello.txt", b"hello")
    with pytest.raises(KnitCliError) as raised:
        image_template(io.BytesIO(buffer.getvalue()), None, KnitEnv())
    assert "manifest.json" in raised.value.reason
    assert "docker save" in raised.value.advice


def test_image_fails_when_config_is_missing_from_tar() -> None:
    buffer = io.BytesIO()
    manifest = [{"Config": "abc.json", "RepoTags": ["repo/name:tag"], "Layers": []}]
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        add_file(archive, "manifest.json", json.dumps(manifest).encode())
    with pytest.raises(KnitCliError) as raised:
        image_template(io.BytesIO(buffer.getvalue()), None, KnitEnv())
    assert "abc.json" in raised.value.reason and "missing" in raised.value.reason


def test_image_fails_when_tar_is_truncated() -> None:
    content = train_image()
    with pytest.raises(KnitCliError) as raised:
        image_template(io.BytesIO(content[:700]), None, KnitEnv())
    assert "truncated" in raised.value.reason
    assert "docker save" in raised.value.advice
