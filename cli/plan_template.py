"""``knit plan template``: a commented Plan YAML, from scratch or from a ``docker save`` tarball.

Owns reading image tarballs (the ``manifest.json`` that ``docker save`` and ``podman save`` write,
and the OCI ``index.json`` + ``blobs/sha256/...`` layout), choosing one image in them, guessing its
input and output mountpoints, and rendering the template text (reference §5.3). Pure: it reads the
stream it is given and returns text; the command prints it and logs
:data:`GENERATED_MESSAGE`.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from knitgraph.graph_schema.quantities import quantity_value

from .errors import KnitCliError
from .profiles import KnitEnv

GENERATED_MESSAGE = "# Plan file is generated. modify it as you like."

SCRATCH_IMAGE = "image:version"
DEFAULT_RESOURCES = {"cpu": "1", "memory": "1Gi"}

_SAVE_ADVICE = "give the output of `docker save IMAGE:TAG` on stdin, or its file with -i IMAGE_TAR"

# Only small members can be manifests or configs; layers are skipped without being kept.
_MAX_METADATA_BYTES = 4 << 20

_INPUT = re.compile(r"(^|/)in(/|$)")
_OUTPUT = re.compile(r"(^|/)out(/|$)")

# Kubernetes quantity: a decimal number with an optional binary/decimal suffix or exponent.


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image config (``config`` of the OCI image spec) a template uses."""

    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    working_dir: str = ""


@dataclass(frozen=True)
class Mountpoint:
    path: str
    tags: list[str]


@dataclass(frozen=True)
class PlanTemplate:
    """What goes into the template; :func:`render` turns it into commented YAML."""

    image: str
    entrypoint: list[str]
    args: list[str]
    inputs: list[Mountpoint]
    outputs: list[Mountpoint]
    log_tags: list[str]
    resources: dict[str, str]
    active: bool = True


@dataclass(frozen=True)
class SavedImage:
    """One image of the archive: its repo tags (maybe none) and the member holding its config."""

    tags: tuple[str, ...]
    config_member: str


# --------------------------------------------------------------------------------------------
# the two entry points


def scratch_template(env: KnitEnv) -> str:
    """The ``--scratch`` template: ``/in`` and ``/out`` tagged with knitenv tags (or ``example:tag``)."""
    tags = _unique(env.tags) or ["example:tag"]
    return render(
        PlanTemplate(
            image=SCRATCH_IMAGE,
            entrypoint=[],
            args=[],
            inputs=[Mountpoint("/in", list(tags))],
            outputs=[Mountpoint("/out", list(tags))],
            log_tags=_unique(["type:log", *tags]),
            resources=resources(env),
        )
    )


def image_template(tar: BinaryIO, image: str | None, env: KnitEnv) -> str:
    """The template for one image of a ``docker save`` tarball; ``image`` (IMAGE:TAG) selects it.

    Mountpoints are guessed from ENTRYPOINT, CMD and VOLUME: every path with a segment ``in``
    becomes an input and one with ``out`` an output, tagged with the knitenv tags and
    ``type:<last segment other than in/out>``.
    """
    members = _read_metadata(tar)
    name, config = select_image(members, image)
    inputs, outputs = guess_mountpoints(config)
    return render(
        PlanTemplate(
            image=name,
            entrypoint=list(config.entrypoint),
            args=list(config.cmd),
            inputs=[_mountpoint(path, "in", env.tags) for path in inputs],
            outputs=[_mountpoint(path, "out", env.tags) for path in outputs],
            log_tags=_unique(["type:log", *env.tags]),
            resources=resources(env),
        )
    )


# --------------------------------------------------------------------------------------------
# knitenv


def resources(env: KnitEnv) -> dict[str, str]:
    """knitenv resources over the defaults (cpu 1, memory 1Gi); cpu and memory come first."""
    merged = {**DEFAULT_RESOURCES, **env.resources}
    for kind, quantity in merged.items():
        if quantity_value(quantity) is None:
            raise KnitCliError(
                f"resource '{kind}' in knitenv has an invalid quantity: '{quantity}'",
                "write quantities in Kubernetes syntax, like 1, 500m, 1.5 or 2Gi",
            )
    return {kind: merged[kind].strip() for kind in ("cpu", "memory", *sorted(set(merged) - {"cpu", "memory"}))}


# --------------------------------------------------------------------------------------------
# reading the tarball


def _read_metadata(tar: BinaryIO) -> dict[str, bytes]:
    """Small members of the archive by normalized name (manifests, configs); layers are skipped.

    Reads the archive as a stream, so stdin works; gzip-compressed archives are accepted too.
    """
    found: dict[str, bytes] = {}
    members_seen = 0
    try:
        with tarfile.open(fileobj=tar, mode="r|*") as archive:
            for member in archive:
                members_seen += 1
                if not member.isfile() or member.size > _MAX_METADATA_BYTES:
                    continue
                name = _member_name(member.name)
                if not (name.endswith(".json") or name.startswith("blobs/")):
                    continue
                content = archive.extractfile(member)
                if content is not None:
                    found[name] = content.read()
    except tarfile.ReadError as exc:
        if members_seen == 0:
            raise KnitCliError(f"the image file is not a tar archive ({exc})", _SAVE_ADVICE) from exc
        raise KnitCliError(f"the image tar archive is broken or truncated ({exc})", _SAVE_ADVICE) from exc
    except (EOFError, tarfile.TarError, OSError) as exc:
        raise KnitCliError(f"the image tar archive is broken or truncated ({exc})", _SAVE_ADVICE) from exc
    return found


def _member_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


def _load_json(members: dict[str, bytes], name: str, what: str) -> Any:
    if name not in members:
        raise KnitCliError(
            f"{what} ({name}) is missing from the image tar archive",
            f"the archive seems incomplete; {_SAVE_ADVICE}",
        )
    try:
        return json.loads(members[name])
    except (ValueError, UnicodeDecodeError) as exc:
        raise KnitCliError(f"{what} ({name}) in the image tar archive is not valid JSON", _SAVE_ADVICE) from exc


def saved_images(members: dict[str, bytes]) -> list[SavedImage]:
    """The images of the archive with their repo tags, from ``manifest.json`` or else ``index.json``."""
    if "manifest.json" in members:
        return _docker_images(_load_json(members, "manifest.json", "the manifest"))
    if "index.json" in members:
        return _oci_images(members)
    raise KnitCliError(
        "the tar archive has neither manifest.json nor index.json: it is not a saved image",
        _SAVE_ADVICE,
    )


def _docker_images(manifest: Any) -> list[SavedImage]:
    if not isinstance(manifest, list) or not all(isinstance(entry, dict) for entry in manifest):
        raise KnitCliError("manifest.json in the image tar archive is not a list of images", _SAVE_ADVICE)
    images = []
    for entry in manifest:
        config = entry.get("Config")
        if not isinstance(config, str):
            raise KnitCliError("an image in manifest.json has no Config", _SAVE_ADVICE)
        images.append(SavedImage(tuple(str(tag) for tag in entry.get("RepoTags") or []), _member_name(config)))
    return images


def _blob_name(digest: Any) -> str:
    algorithm, colon, encoded = str(digest).partition(":")
    if not colon or not encoded:
        raise KnitCliError(f"the image tar archive refers to a malformed digest '{digest}'", _SAVE_ADVICE)
    return f"blobs/{algorithm}/{encoded}"


def _oci_images(members: dict[str, bytes]) -> list[SavedImage]:
    """Images of an OCI layout: each manifest of ``index.json`` (multi-platform indexes: the first)."""
    index = _load_json(members, "index.json", "the OCI index")
    descriptors = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(descriptors, list):
        raise KnitCliError("index.json in the image tar archive has no list of manifests", _SAVE_ADVICE)
    by_config: dict[str, list[str]] = {}
    for descriptor in descriptors:
        config = _oci_config(members, descriptor, depth=0)
        tags = by_config.setdefault(config, [])
        name = _oci_ref_name(descriptor.get("annotations") or {})
        if name and name not in tags:
            tags.append(name)
    if not by_config:
        raise KnitCliError("index.json in the image tar archive lists no image", _SAVE_ADVICE)
    return [SavedImage(tuple(tags), config) for config, tags in by_config.items()]


def _oci_config(members: dict[str, bytes], descriptor: Any, depth: int) -> str:
    if not isinstance(descriptor, dict) or depth > 4:
        raise KnitCliError("index.json in the image tar archive has a malformed entry", _SAVE_ADVICE)
    document = _load_json(members, _blob_name(descriptor.get("digest")), "an image manifest")
    if not isinstance(document, dict):
        raise KnitCliError("an image manifest in the tar archive is malformed", _SAVE_ADVICE)
    if document.get("manifests"):  # an index (multi-platform image): take its first manifest
        return _oci_config(members, document["manifests"][0], depth + 1)
    config = document.get("config")
    if not isinstance(config, dict):
        raise KnitCliError("an image manifest in the tar archive has no config", _SAVE_ADVICE)
    return _blob_name(config.get("digest"))


def _oci_ref_name(annotations: dict[str, Any]) -> str:
    """A full reference from the annotations; a bare ``org.opencontainers.image.ref.name`` tag is no name."""
    full = annotations.get("io.containerd.image.name")
    if full:
        return str(full)
    ref = str(annotations.get("org.opencontainers.image.ref.name") or "")
    return ref if ("/" in ref or ":" in ref) else ""


def _normalized(reference: str) -> str:
    """``busybox`` == ``busybox:latest`` == ``docker.io/library/busybox:latest``."""
    if "@" in reference:
        return reference
    last = reference.rsplit("/", 1)[-1]
    if ":" not in last:
        reference += ":latest"
    for prefix in ("docker.io/", "index.docker.io/"):
        if reference.startswith(prefix):
            reference = reference[len(prefix):]
            break
    if reference.startswith("library/") and reference.count("/") == 1:
        return reference[len("library/"):]
    return reference


def select_image(members: dict[str, bytes], image: str | None) -> tuple[str, ImageConfig]:
    """The image name for the template and the config of the chosen image."""
    images = saved_images(members)
    all_tags = [tag for saved in images for tag in saved.tags]
    listing = ", ".join(all_tags) or "(no tags)"
    if image:
        wanted = _normalized(image)
        for saved in images:
            for tag in saved.tags:
                if _normalized(tag) == wanted:
                    return tag, _config(members, saved)
        if len(images) == 1 and not images[0].tags:  # an untagged image: the argument names it
            return image, _config(members, images[0])
        raise KnitCliError(
            f"image '{image}' is not in the tar archive; it holds: {listing}",
            "give one of those tags as IMAGE:TAG, or save the image you meant with `docker save`",
        )
    if len(images) > 1 or len(all_tags) > 1:
        raise KnitCliError(
            "multiple images found, specify the image tag",
            f"add IMAGE:TAG, one of: {listing}",
        )
    if not images:
        raise KnitCliError("the tar archive holds no image", _SAVE_ADVICE)
    name = images[0].tags[0] if images[0].tags else SCRATCH_IMAGE
    return name, _config(members, images[0])


def _string_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise KnitCliError(f"the image config's {what} is not a list", _SAVE_ADVICE)
    return [str(item) for item in value]


def _config(members: dict[str, bytes], saved: SavedImage) -> ImageConfig:
    document = _load_json(members, saved.config_member, "the image config")
    if not isinstance(document, dict):
        raise KnitCliError("the image config in the tar archive is not a JSON object", _SAVE_ADVICE)
    config = document.get("config") or document.get("Config") or {}
    if not isinstance(config, dict):
        raise KnitCliError("the image config in the tar archive has a malformed 'config'", _SAVE_ADVICE)
    volumes = config.get("Volumes") or {}
    return ImageConfig(
        entrypoint=_string_list(config.get("Entrypoint"), "Entrypoint"),
        cmd=_string_list(config.get("Cmd"), "Cmd"),
        volumes=[str(volume) for volume in volumes] if isinstance(volumes, (dict, list)) else [],
        working_dir=str(config.get("WorkingDir") or ""),
    )


# --------------------------------------------------------------------------------------------
# guessing mountpoints


def _words(token: str) -> list[str]:
    """A shell-form command (``sh -c "python x.py /in/data"``) is one token with several words."""
    if not any(char.isspace() for char in token):
        return [token]
    try:
        return shlex.split(token)
    except ValueError:
        return token.split()


def _path_of(word: str) -> str:
    """``--data=/in/x`` names the path ``/in/x``."""
    key, equals, value = word.partition("=")
    return value if equals and "/" not in key else word


def guess_mountpoints(config: ImageConfig) -> tuple[list[str], list[str]]:
    """Input and output paths named by ENTRYPOINT, CMD and VOLUME, in that order, without repeats.

    A word is a path when it has a segment ``in`` (input) or else ``out`` (output); a relative one
    is resolved against WORKDIR (default ``/``).
    """
    workdir = config.working_dir or "/"
    inputs: list[str] = []
    outputs: list[str] = []
    tokens: Iterable[str] = (*config.entrypoint, *config.cmd, *config.volumes)
    for token in tokens:
        for word in _words(token):
            candidate = _path_of(word)
            found = inputs if _INPUT.search(candidate) else outputs if _OUTPUT.search(candidate) else None
            if found is None:
                continue
            path = "/" + posixpath.normpath(posixpath.join(workdir, candidate)).lstrip("/")
            if path not in inputs and path not in outputs:
                found.append(path)
    return inputs, outputs


def type_of(path: str, direction: str) -> str | None:
    """The last segment of ``path`` that is neither empty nor ``direction`` (``in`` or ``out``)."""
    for segment in reversed(path.split("/")):
        if segment not in ("", direction):
            return segment
    return None


def _mountpoint(path: str, direction: str, env_tags: list[str]) -> Mountpoint:
    kind = type_of(path, direction)
    return Mountpoint(path, _unique([*env_tags, *([f"type:{kind}"] if kind else [])]))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------------------------
# rendering


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML double-quoted strings)."""
    return json.dumps(text, ensure_ascii=False)


_PLAIN_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]*$")


_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def _key(text: str) -> str:
    plain = _PLAIN_KEY.match(text) and text.lower() not in _YAML_WORDS
    return text if plain else _q(text)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(_q(item) for item in items) + "]"


def _tag_lines(tags: list[str], indent: str) -> list[str]:
    return [f"{indent}- {_q(tag)}" for tag in tags]


def _mountpoints(key: str, points: list[Mountpoint], example: str) -> list[str]:
    if not points:
        return [
            f"{key}: []",
            "#   (none found in the image) for example:",
            f"#   - path: {_q(example)}",
            "#     tags:",
            '#       - "type:example"',
        ]
    lines = [f"{key}:"]
    for point in points:
        lines.append(f"  - path: {_q(point.path)}")
        lines.extend(["    tags:", *_tag_lines(point.tags, "      ")] if point.tags else ["    tags: []"])
    return lines


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.strip("\n").split("\n")]


_RESOURCE_DOCS = {
    "cpu": """\
cpu (optional; default = 1):
  Specify the CPU resource requirements for this Plan.
  This value means "how many cores" the plan will use.
  This can be a fraction, like "0.5" or "500m" (= 500 millicore) for a half of a core.""",
    "memory": """\
memory (optional; default = 1Gi):
  Specify the memory resource requirements for this Plan.
  This value means "how many bytes" the plan will use.
  You can use suffixes like "Ki", "Mi", "Gi" for kibi-(1024), mebi-(1024^2), gibi-(1024^3) bytes, case sensitive.
  For example, "1Gi" means 1 gibibyte.
  If you omit the suffix, it is assumed as bytes.""",
}

_TAIL = """\
# # on_node (optional):
# #   Specify the node where this Plan is executed.
# #
# #   For each level (may, prefer and must), you can put node labels or taints in "key=value" format.
# #   Labels show a node characteristic, and taints show a node restriction.
# #   Ask your administrator for the available labels/taints.
# #
# #   By default (= empty), this plan is executed on any node, if the node does not taint.
# on_node:
#   # may: (optional)
#   #   Allow to execute this plan on nodes with these taints, put here.
#   may:
#     - "label-a=value1"
#     - "label-b=value2"
#
#   # prefer: (optional)
#   #   Execute this plan on nodes with these labels & taints, if possible.
#   prefer:
#     - "vram=large"
#
#   # must: (optional)
#   #   Always execute this plan on nodes with these labels & taints
#   #   (taints on node can be subset of this list).
#   #
#   #   If no node matches, runs of the plan will be scheduled but not started.
#   must:
#     - "accelerator=gpu"

# # service_account (optional, mutable):
# #   Specify the service account to run this Plan.
# #   If missing or null, the service account is not used.
# service_account: "default"
"""


def render(plan: PlanTemplate) -> str:
    """The Plan as Knitfab's commented YAML; ``yaml.safe_load`` of it gives the Plan's fields."""
    lines: list[str] = [""]
    lines += _comment("""
annotations (optional, mutable):
  Set Annotations of this Plan in list of "key=value" format string.
  You can use this for your own purpose, for example documentation. This does not affect lineage tracking.
  Knitfab Extensions may refer this.""")
    lines += ["annotations: []", '#   - "key=value"', '#   - "description=This is a Plan for ..."', ""]

    lines += _comment("""
image:
  Container image to be executed as this Plan.
  This image-tag should be accessible from your knitfab cluster.""")
    lines += [f"image: {_q(plan.image)}", ""]

    lines += _comment("""
entrypoint:
  Command to be executed as this Plan image.
  This array overrides the ENTRYPOINT of the image.""")
    lines += [f"entrypoint: {_flow(plan.entrypoint)}", ""]

    lines += _comment("""
args:
  Arguments to be passed to this Plan image.
  This array overrides the CMD of the image.""")
    lines += [f"args: {_flow(plan.args)}", ""]

    lines += _comment("""
inputs:
  List of filepath and Tags as Input of this Plans.
  1 or more Inputs are needed.
  Each filepath should be absolute. Tags should be formatted in "key:value"-style.""")
    lines += [*_mountpoints("inputs", plan.inputs, "/in/data"), ""]

    lines += _comment("""
outputs:
  List of filepathes and Tags as Output of this Plans.
  See "inputs" for detail.""")
    lines += [*_mountpoints("outputs", plan.outputs, "/out/result"), ""]

    lines += _comment("""
log (optional):
  Set Tags stored log (STDOUT+STDERR of runs of this Plan) as Data.
  If missing or null, log would not be stored.""")
    lines += ["log:", "  tags:", *_tag_lines(plan.log_tags, "    "), ""]

    lines += _comment("""
active (optional, mutable):
  To suspend executing Runs by this Plan, set false explicitly.
  If missing or null, it is assumed as true.""")
    lines += [f"active: {'true' if plan.active else 'false'}", ""]

    lines += _comment("""
resources (optional, mutable):
  Specify the resource, cpu or memory for example, requirements for this Plan.
  This value can be changed after the Plan is applied.

  There can be other resources. For them, ask your administrator.

  (advanced note: These values are passed to container.resource.limits in kubernetes.)""")
    lines.append("resources:")
    for kind, quantity in plan.resources.items():
        doc = _RESOURCE_DOCS.get(kind, f"{kind} (optional):\n  From your knitenv.")
        lines += ["", *(f"  {line}" for line in _comment(doc)), f"  {_key(kind)}: {_q(quantity)}"]
    lines += ["", ""]
    return "\n".join(lines) + "\n" + _TAIL
