"""Build the examples' images in the local container engine, with no registry and no Docker Hub.

    python examples/images/build.py [first-knitfab] [spam-detection] [kubeflow-pipeline] [object-detection-prep]
                                    [--rebuild]

The engine is the one DOCKER_HOST names (Docker, or Podman's Docker-compatible socket:
`podman system service --time=0 unix:///tmp/podman.sock` and `DOCKER_HOST=unix:///tmp/podman.sock`),
else Docker's default socket. Two layers of images:

1. The base, `localhost/knitgraph-python:bookworm`: the tutorials start `FROM python:3.11`, which
   cannot be pulled here. Instead mmdebstrap builds a Debian bookworm root file system with python3,
   python3-numpy and python-is-python3 (`python` is python3) from Debian's packages, and it is
   imported into the engine. The tarball is cached in ~/.cache/knitgraph/images (keyed by the
   package list), so only the first build downloads packages (about a minute); importing it takes
   seconds.
2. The examples' images, from their Dockerfiles (`FROM localhost/knitgraph-python:bookworm` plus
   COPY of the scripts: no RUN step, no network). Each image is labelled with a digest of its
   Dockerfile, build context and base; an image whose label matches is not built again.

Exit status 1 with a message when no engine answers or mmdebstrap is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
import platformdirs

EXAMPLES = Path(__file__).resolve().parents[1]
BASE_IMAGE = "localhost/knitgraph-python:bookworm"
BASE_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-numpy", "python-is-python3", "ca-certificates")
LABEL = "knitgraph.build-digest"


@dataclass(frozen=True)
class Image:
    tag: str
    dockerfile: Path
    context: Path


IMAGES = {
    "first-knitfab": [
        Image("localhost/knitfab-first-train:v1.0", EXAMPLES / "first-knitfab/scripts/train/Dockerfile",
              EXAMPLES / "first-knitfab/scripts"),
        Image("localhost/knitfab-first-validation:v1.0", EXAMPLES / "first-knitfab/scripts/validation/Dockerfile",
              EXAMPLES / "first-knitfab/scripts"),
    ],
    "spam-detection": [
        Image(f"localhost/spam-detection-{step}:v1.0", EXAMPLES / f"spam-detection/scripts/{step}/Dockerfile",
              EXAMPLES / "spam-detection/scripts")
        for step in ("initial-train", "validate", "incremental-train")
    ],
    "kubeflow-pipeline": [
        Image("localhost/kfp-taxi:v1.0", EXAMPLES / "kubeflow-pipeline/scripts/Dockerfile",
              EXAMPLES / "kubeflow-pipeline/scripts"),
    ],
    "object-detection-prep": [
        Image("localhost/object-detection-prep:v1.0", EXAMPLES / "object-detection-prep/scripts/Dockerfile",
              EXAMPLES / "object-detection-prep/scripts"),
    ],
}


def say(message: str) -> None:
    print(f"[images] {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    return Path(os.environ.get("KNITGRAPH_IMAGE_CACHE") or Path(platformdirs.user_cache_dir("knitgraph")) / "images")


def base_digest() -> str:
    recipe = json.dumps({"suite": BASE_SUITE, "packages": BASE_PACKAGES, "variant": "essential", "v": 1})
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def base_rootfs() -> Path:
    """The base root file system as a tarball, built with mmdebstrap unless cached."""
    tarball = cache_dir() / f"knitgraph-python-{BASE_SUITE}-{base_digest()}.tar"
    if tarball.exists():
        return tarball
    mmdebstrap = shutil.which("mmdebstrap")
    if mmdebstrap is None:
        raise SystemExit("mmdebstrap is needed to build the base image (`apt-get install mmdebstrap`; `make install` does)")
    tarball.parent.mkdir(parents=True, exist_ok=True)
    say(f"building {BASE_IMAGE}'s root file system with mmdebstrap (Debian {BASE_SUITE}: {', '.join(BASE_PACKAGES)}) ...")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=tarball.parent) as scratch:
        partial = Path(scratch) / "rootfs.tar"
        command = [mmdebstrap, "--quiet", "--variant=essential", f"--include={','.join(BASE_PACKAGES)}",
                   "--aptopt=Acquire::Retries \"3\"",
                   *(f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in ("doc", "man", "locale", "info")),
                   BASE_SUITE, str(partial)]
        mirror = os.environ.get("KNITGRAPH_DEBIAN_MIRROR")  # a mirror URL or a sources file; default: Debian's
        if mirror:
            command.append(mirror)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"mmdebstrap failed ({done.returncode}):\n{done.stderr[-3000:]}")
        partial.rename(tarball)
    say(f"root file system ready in {time.monotonic() - started:.0f} s: {tarball}")
    return tarball


def engine() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise SystemExit(f"no container engine answers ({exc}); start Docker, or Podman's socket "
                         "(`podman system service --time=0 unix:///tmp/podman.sock`) and set DOCKER_HOST to it") from exc
    return client


def label_of(client: docker.DockerClient, tag: str) -> str | None:
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    return (image.labels or {}).get(LABEL)


def ensure_base(client: docker.DockerClient, rebuild: bool) -> str:
    digest = base_digest()
    if not rebuild and label_of(client, BASE_IMAGE) == digest:
        say(f"{BASE_IMAGE} is there")
        return str(client.images.get(BASE_IMAGE).id)
    tarball = base_rootfs()
    started = time.monotonic()
    with open(tarball, "rb") as source:  # "repo" may carry the tag (Docker Engine API, ImageCreate)
        answer = client.api.import_image_from_data(
            source, repository=BASE_IMAGE, changes=["ENV LANG=C.UTF-8", f"LABEL {LABEL}={digest}"])
    image_id = json.loads(str(answer).strip().splitlines()[-1])["status"]
    image = client.images.get(image_id)
    if BASE_IMAGE not in image.tags:  # Podman's compatible API names it ...:latest
        for name in image.tags:
            client.images.remove(name)
        image.tag(*BASE_IMAGE.rsplit(":", 1))
    say(f"imported {BASE_IMAGE} in {time.monotonic() - started:.1f} s")
    return str(client.images.get(BASE_IMAGE).id)


def build_digest(image: Image, base_id: str) -> str:
    digest = hashlib.sha256(base_id.encode())
    digest.update(image.dockerfile.read_bytes())
    for path in sorted(image.context.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(image.context)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure(client: docker.DockerClient, image: Image, base_id: str, rebuild: bool) -> None:
    digest = build_digest(image, base_id)
    if not rebuild and label_of(client, image.tag) == digest:
        say(f"{image.tag} is up to date")
        return
    started = time.monotonic()
    try:
        client.images.build(path=str(image.context), dockerfile=str(image.dockerfile.relative_to(image.context)),
                            tag=image.tag, labels={LABEL: digest}, rm=True, network_mode="none")
    except docker.errors.BuildError as exc:
        log = "".join(str(step.get("stream", step.get("error", ""))) for step in exc.build_log)
        raise SystemExit(f"building {image.tag} failed: {exc}\n{log[-3000:]}") from exc
    say(f"built {image.tag} in {time.monotonic() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("examples", nargs="*", metavar="EXAMPLE", help=f"{' or '.join(IMAGES)} (default: both)")
    parser.add_argument("--rebuild", action="store_true", help="build again even what is up to date")
    options = parser.parse_args()
    for name in options.examples:
        if name not in IMAGES:
            parser.error(f"no example {name!r}; choose from {', '.join(IMAGES)}")
    client = engine()
    base_id = ensure_base(client, options.rebuild)
    for name in options.examples or list(IMAGES):
        for image in IMAGES[name]:
            ensure(client, image, base_id, options.rebuild)


if __name__ == "__main__":
    main()
