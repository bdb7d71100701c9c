"""A Plan's definition as a validated value object (Knitfab reference §1.4, §3.2, §3.3).

``PlanSpec.build(...)`` applies Knitfab's defaults and validation rules in Knitfab's order, with
two decided differences (docs/decisions.md): mountpoints overlap by path *segments* (``/in/1`` and
``/in/10`` do not), and an output may not be ``/log``.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from .errors import InvalidInputError
from .images import split_image
from .quantities import count, duration_seconds, quantity_value
from .tags import KEY_ID, KEY_TIMESTAMP, KEY_TRANSIENT, Tag, check_count, check_size, has_control_character, normalize
from .timefmt import parse_instant

_REPOSITORY = re.compile(r"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
_IMAGE_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
ON_NODE_MODES = ("may", "prefer", "must")
DEFAULT_RESOURCES = {"cpu": "1", "memory": "1Gi"}
# Inputs and outputs together; each input multiplies the Runs a plan can make.
MAX_MOUNTPOINTS = 100
MAX_PATH_BYTES = 4096  # Linux's PATH_MAX


def invalid(detail: str, advice: str = "fix the plan file and apply it again") -> InvalidInputError:
    return InvalidInputError(f"plan spec is invalid: {detail}", advice)


@dataclass(frozen=True, slots=True)
class InputSpec:
    path: str
    tags: tuple[Tag, ...]
    pin_knit_id: str | None = None
    pin_timestamp: int | None = None

    @property
    def pinned(self) -> bool:
        return self.pin_knit_id is not None or self.pin_timestamp is not None


@dataclass(frozen=True, slots=True)
class OutputSpec:
    path: str
    tags: tuple[Tag, ...]


@dataclass(frozen=True, slots=True)
class PlanSpec:
    image: str
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...] = ()
    log: tuple[Tag, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    active: bool = True
    resources: dict[str, str] = field(default_factory=dict)
    on_node: dict[str, tuple[str, ...]] = field(default_factory=dict)
    service_account: str | None = None
    annotations: tuple[str, ...] = ()

    def hash(self) -> str:
        """Equal for equivalent plans: same image, on_node, inputs, outputs, log, entrypoint, args."""
        parts = [self.image]
        parts += [f"{mode}:{label}" for mode in ON_NODE_MODES for label in self.on_node.get(mode, ())]
        for spec in sorted(self.inputs, key=lambda i: i.path):
            parts.append(f"in {spec.path} {_tag_text(spec.tags)} {spec.pin_knit_id} {spec.pin_timestamp}")
        for output in sorted(self.outputs, key=lambda o: o.path):
            parts.append(f"out {output.path} {_tag_text(output.tags)}")
        parts.append("log " + (_tag_text(self.log) if self.log is not None else "-"))
        parts.append(f"entrypoint {list(self.entrypoint) if self.entrypoint is not None else None!r}")
        parts.append(f"args {list(self.args) if self.args is not None else None!r}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @classmethod
    def build(
        cls,
        *,
        image: str,
        inputs: Iterable[tuple[str, Iterable[str]]],
        outputs: Iterable[tuple[str, Iterable[str]]] = (),
        log: Iterable[str] | None = None,
        entrypoint: Iterable[str] | None = None,
        args: Iterable[str] | None = None,
        active: bool | None = None,
        resources: dict[str, str] | None = None,
        on_node: dict[str, Iterable[str]] | None = None,
        service_account: str | None = None,
        annotations: Iterable[str] = (),
    ) -> PlanSpec:
        """Validate raw plan fields (strings, as a plan file holds them) into a ``PlanSpec``."""
        labels = {mode: _labels(mode, (on_node or {}).get(mode, ())) for mode in ON_NODE_MODES}
        for mode in on_node or {}:
            if mode not in ON_NODE_MODES:
                raise invalid(f"on_node: unknown mode '{mode}'", "use may, prefer or must")
        image = _image(image)
        raw_inputs = [(_strip(path), [Tag.parse(t) for t in tags]) for path, tags in inputs]
        raw_outputs = [(_strip(path), [Tag.parse(t) for t in tags]) for path, tags in outputs]
        if len(raw_inputs) + len(raw_outputs) > MAX_MOUNTPOINTS:
            raise invalid(f"{len(raw_inputs) + len(raw_outputs)} inputs and outputs, more than {MAX_MOUNTPOINTS}",
                          "split the work into several plans")
        if not raw_inputs:
            raise invalid("unreachable plan: no inputs", "add at least one input with tags")
        for path, _ in [*raw_inputs, *raw_outputs]:
            if not path:
                raise invalid("bad mountpoint path (path = ) path is empty")
        built_inputs = [_input(path, tags) for path, tags in sorted(raw_inputs, key=lambda i: i[0])]
        built_outputs = [_output(path, tags) for path, tags in sorted(raw_outputs, key=lambda o: o[0])]
        _check_overlaps([i.path for i in built_inputs] + [o.path for o in built_outputs])
        log_tags = None if log is None else _no_system("bad tag (path = log): log", [Tag.parse(t) for t in log])
        return cls(
            image=image,
            inputs=tuple(built_inputs),
            outputs=tuple(built_outputs),
            log=log_tags,
            entrypoint=_command("entrypoint", entrypoint),
            args=_command("args", args),
            active=True if active is None else active,
            resources=with_default_resources(resources or {}),
            on_node={mode: values for mode, values in labels.items() if values},
            service_account=_service_account(service_account),
            annotations=tuple(checked_annotations(annotations)),
        )


def _tag_text(tags: Iterable[Tag]) -> str:
    return ",".join(str(t) for t in normalize(tags))


def _strip(path: str) -> str:
    return path[:-1] if path.endswith("/") else path


def _image(image: str) -> str:
    """``[registry[:port]/]repository:tag``; the tag is after the last colon of the last segment."""
    image = image.strip()
    repository, found_tag = split_image(image)
    tag = found_tag or ""
    if not repository or not tag:
        raise invalid(f"nameless or versionless image({repository}:{tag})", "write the image as repository:tag")
    if not _REPOSITORY.match(repository) or not _IMAGE_TAG.match(tag):
        raise invalid(f"image '{image}' is not a valid image reference", "use lowercase repository:tag")
    return f"{repository}:{tag}"


def _command(kind: str, words: Iterable[str] | None) -> tuple[str, ...] | None:
    """The entrypoint or args; a NUL cannot be passed to a program, so it is refused."""
    if words is None:
        return None
    checked = tuple(words)
    if any("\x00" in word for word in checked):
        raise invalid(f"{kind} holds a NUL character", f"remove the NUL from {kind}")
    return checked or None


def _clean_absolute(kind: str, path: str) -> None:
    if len(path.encode()) > MAX_PATH_BYTES:
        raise invalid(f"bad mountpoint path (path = {path[:80]}…) is longer than {MAX_PATH_BYTES} bytes",
                      f"write {kind} paths as short, clean paths such as /in/data")
    if has_control_character(path):
        raise invalid(f"bad mountpoint path (path = {path[:80]!r}) holds a control character",
                      f"write {kind} paths with printable characters only")
    if not path.startswith("/") or posixpath.normpath(path) != path or path == "/" or "//" in path:
        raise invalid(f"bad mountpoint path (path = {path}) not absolute or not clean",
                      f"write {kind} paths as absolute, clean paths such as /in/data")


def _input(path: str, tags: list[Tag]) -> InputSpec:
    _clean_absolute("input", path)
    check_count(normalize(tags), f"input {path}")
    if not tags:
        raise invalid(f"bad tag (path = {path}): no tags for input", "give every input at least one tag")
    knit_ids = {t.value for t in tags if t.key == KEY_ID}
    stamps = {parse_instant(t.value) for t in tags if t.key == KEY_TIMESTAMP}
    for tag in tags:
        if tag.key == KEY_TRANSIENT:
            raise invalid(f'bad tag (path = {path}): data with "knit#transient" are never used',
                          "remove the knit#transient tag from the input")
        if tag.is_system() and tag.key not in (KEY_ID, KEY_TIMESTAMP):
            raise invalid(f"bad tag (path = {path}): unknown system tag: {tag}",
                          "inputs may use knit#id and knit#timestamp only")
        check_size(tag)
    for key, values in ((KEY_ID, knit_ids), (KEY_TIMESTAMP, stamps)):
        if len(values) > 1:
            raise invalid(f'bad tag (path = {path}): "{key}" found twice (or more)', f"keep one {key} per input")
    user = tuple(normalize(t for t in tags if not t.is_system()))
    return InputSpec(path, user, next(iter(knit_ids), None), next(iter(stamps), None))


def _no_system(where: str, tags: list[Tag]) -> tuple[Tag, ...]:
    check_count(normalize(tags), "an output or log")
    for tag in tags:
        if tag.is_system():
            raise invalid(f'{where} cannot have tag starting with "knit#" (reserved by system)',
                          "remove knit# tags from outputs and log; knitgraph sets them")
        check_size(tag)
    return tuple(normalize(tags))


def _output(path: str, tags: list[Tag]) -> OutputSpec:
    _clean_absolute("output", path)
    if path == "/log":
        raise invalid("output path /log is reserved for the log", "name the output differently, e.g. /out/log")
    return OutputSpec(path, _no_system(f"bad tag (path = {path}): output", tags))


def _check_overlaps(paths: list[str]) -> None:
    for index, first in enumerate(paths):
        for second in paths[index + 1 :]:
            a, b = first.split("/"), second.split("/")
            shorter = min(len(a), len(b))
            if a[:shorter] == b[:shorter]:
                raise invalid(f"mountpoints are overlapped: {first}, {second}",
                              "no mountpoint may be inside another; choose separate folders")


def _labels(mode: str, values: Iterable[str]) -> tuple[str, ...]:
    checked = []
    for text in values:
        key, equals, value = text.partition("=")
        if not equals:
            raise invalid(f"on_node: label format error (should be key=value): {text}")
        prefix, slash, name = key.rpartition("/")
        if not key:
            raise invalid("on_node: invalid key: key is empty")
        if slash and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
            raise invalid(f"on_node: invalid key: too long (> 253 chars) prefix or bad pattern: {key}")
        if not _LABEL_NAME.match(name):
            raise invalid(f"on_node: invalid key: bad pattern: {key}")
        if not value:
            raise invalid("on_node: invalid value: value is empty")
        if not _LABEL_NAME.match(value):
            raise invalid(f"on_node: invalid value: bad pattern: {value}")
        checked.append(text)
    return tuple(sorted(set(checked)))


def _service_account(name: str | None) -> str | None:
    if name is not None and len(name) > 63:
        raise invalid("service_account is longer than 63 characters")
    return name or None


EXECUTOR_ANNOTATION: Final = "knitgraph.io/executor"
NETWORK_ANNOTATION: Final = "knitgraph.io/network"
# A Run of such a plan reads Data of one origin only: among the Data tagged so (``key:value``)
# that its inputs descend from, there is at most one (docs/pipelines.md; graph_schema/projection.py).
SAME_ORIGIN_ANNOTATION: Final = "knitgraph.io/same-origin"
# A service plan (docs/serving.md): its Run serves HTTP on a port until a newer Run of the service
# is healthy; knitgraph proxies /serve/<name>/ to the Run serving now.
SERVICE_ANNOTATION: Final = "knitgraph.io/service"
SERVICE_PORT_ANNOTATION: Final = "knitgraph.io/service-port"
SERVICE_HEALTH_ANNOTATION: Final = "knitgraph.io/service-health"
# A failed Run of the plan runs again in place, up to ``retry-max`` more times, waiting
# ``retry-backoff`` before the first retry and twice as long before each next (docs/automation.md).
RETRY_MAX_ANNOTATION: Final = "knitgraph.io/retry-max"
RETRY_BACKOFF_ANNOTATION: Final = "knitgraph.io/retry-backoff"
# At most this many Runs of the plan execute at once (ready, starting or running).
CONCURRENCY_ANNOTATION: Final = "knitgraph.io/concurrency"
# Retention (graph_schema/retention.py): keep the outputs of the N most recent done Runs; let the
# outputs of failed Runs go this long after they failed.
KEEP_LAST_ANNOTATION: Final = "knitgraph.io/keep-last"
PURGE_FAILED_AFTER_ANNOTATION: Final = "knitgraph.io/purge-failed-after"
KNITGRAPH_ANNOTATIONS: Final = {
    EXECUTOR_ANNOTATION: ("process", "container"),  # how the plan's Runs execute (docs/user-guide.md)
    NETWORK_ANNOTATION: ("on", "off"),  # whether they have network
    SAME_ORIGIN_ANNOTATION: None,  # a tag, key:value
    SERVICE_ANNOTATION: None,  # a name, as in a URL: lower-case letters, digits and dashes
    SERVICE_PORT_ANNOTATION: None,  # 1-65535
    SERVICE_HEALTH_ANNOTATION: None,  # a path, /...
    RETRY_MAX_ANNOTATION: None,  # 1 to MAX_RETRIES
    RETRY_BACKOFF_ANNOTATION: None,  # a duration: 0s to MAX_BACKOFF_SECONDS
    CONCURRENCY_ANNOTATION: None,  # 1 to MAX_CONCURRENCY
    KEEP_LAST_ANNOTATION: None,  # 1 to MAX_KEEP_LAST
    PURGE_FAILED_AFTER_ANNOTATION: None,  # a duration
}
MAX_KEEP_LAST: Final = 100_000
MAX_RETRIES: Final = 10
DEFAULT_BACKOFF_SECONDS: Final = 10.0
MAX_BACKOFF_SECONDS: Final = 3600.0
MAX_CONCURRENCY: Final = 1000
DEFAULT_SERVICE_PORT: Final = 8080
DEFAULT_SERVICE_HEALTH: Final = "/"
_SERVICE_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_ZERO_DURATION = re.compile(r"^0+(\.0+)?[smhd]?$")
_HEALTH_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$")


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What a service plan's Runs serve: the name of its endpoint, the port its task listens on
    (inside its sandbox or container), and the path that answers 2xx once it is ready."""

    name: str
    port: int = DEFAULT_SERVICE_PORT
    health: str = DEFAULT_SERVICE_HEALTH


def service_of(annotations: Iterable[str]) -> ServiceSpec | None:
    """The plan's service, if it is a service plan (its annotations were checked when applied)."""
    listed = list(annotations)
    name = annotation_value(listed, SERVICE_ANNOTATION)
    if name is None:
        return None
    port = annotation_value(listed, SERVICE_PORT_ANNOTATION)
    return ServiceSpec(name, int(port) if port else DEFAULT_SERVICE_PORT,
                       annotation_value(listed, SERVICE_HEALTH_ANNOTATION) or DEFAULT_SERVICE_HEALTH)


def service_annotations(name: str, port: int | None = None, health: str | None = None) -> list[str]:
    """The annotations that make a plan a service plan (what ``service:`` in a plan file and
    ``service=`` of a pipeline step stand for); checked as annotations are, when applied."""
    found = [f"{SERVICE_ANNOTATION}={name}"]
    if port is not None:
        found.append(f"{SERVICE_PORT_ANNOTATION}={port}")
    if health is not None:
        found.append(f"{SERVICE_HEALTH_ANNOTATION}={health}")
    return found


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a failed Run of the plan runs again, and how long it waits first."""

    max: int
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS

    def delay_seconds(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based): the backoff, doubled each time, at most an hour."""
        return min(self.backoff_seconds * 2.0 ** (retry - 1), MAX_BACKOFF_SECONDS)


def retry_of(annotations: Iterable[str]) -> RetryPolicy | None:
    """The plan's retry policy, if it has one (its annotations were checked when applied)."""
    listed = list(annotations)
    most = annotation_value(listed, RETRY_MAX_ANNOTATION)
    if most is None:
        return None
    backoff = annotation_value(listed, RETRY_BACKOFF_ANNOTATION)
    return RetryPolicy(int(most), _backoff_seconds(backoff) if backoff is not None else DEFAULT_BACKOFF_SECONDS)


def retry_annotations(most: int, backoff: str | int | float | None = None) -> list[str]:
    """What ``retry: {max, backoff}`` of a plan file and ``retry=`` of a pipeline step stand for."""
    found = [f"{RETRY_MAX_ANNOTATION}={most}"]
    if backoff is not None:
        found.append(f"{RETRY_BACKOFF_ANNOTATION}={backoff}")
    return found


def concurrency_of(annotations: Iterable[str]) -> int | None:
    value = annotation_value(annotations, CONCURRENCY_ANNOTATION)
    return int(value) if value is not None else None


def retention_of(annotations: Iterable[str]) -> tuple[int | None, float | None]:
    """The plan's retention: how many done Runs keep their outputs, and how long after failing a
    failed Run's outputs are kept (seconds); None where the plan says nothing."""
    listed = list(annotations)
    keep = annotation_value(listed, KEEP_LAST_ANNOTATION)
    after = annotation_value(listed, PURGE_FAILED_AFTER_ANNOTATION)
    return (int(keep) if keep is not None else None), (duration_seconds(after) if after is not None else None)


def _backoff_seconds(value: str) -> float:
    """A wait in seconds, zero allowed; -1 when ``value`` is not a duration."""
    text = value.strip()
    if _ZERO_DURATION.match(text):
        return 0.0
    seconds = duration_seconds(text)
    return -1.0 if seconds is None else float(seconds)


def _whole_number(key: str, value: str, most: int, meaning: str) -> str:
    if not (value.isdigit() and 1 <= int(value) <= most):
        raise InvalidInputError(f"annotation {key} cannot be '{value}'", f"write {key}=N, {meaning} (1 to {most})")
    return str(int(value))


def _automation_value(key: str, value: str) -> str:
    if key == RETRY_MAX_ANNOTATION:
        return _whole_number(key, value, MAX_RETRIES, "how many times a failed Run runs again")
    if key == CONCURRENCY_ANNOTATION:
        return _whole_number(key, value, MAX_CONCURRENCY, "how many of the plan's Runs may execute at once")
    if key == KEEP_LAST_ANNOTATION:
        return _whole_number(key, value, MAX_KEEP_LAST, "how many of the plan's latest done Runs keep their outputs")
    if key == PURGE_FAILED_AFTER_ANNOTATION:
        if duration_seconds(value) is None:
            raise InvalidInputError(f"annotation {key} cannot be '{value}'",
                                    f"write {key}=DURATION, how long a failed Run's outputs are kept (for example 7d)")
        return value
    if not 0 <= _backoff_seconds(value) <= MAX_BACKOFF_SECONDS:
        raise InvalidInputError(f"annotation {key} cannot be '{value}'",
                                f"write {key}=DURATION, the wait before the first retry: 0s to 1h (for example 30s or 5m)")
    return value


def _service_value(key: str, value: str) -> str:
    if key == SERVICE_ANNOTATION and not _SERVICE_NAME.match(value):
        raise InvalidInputError(f"annotation {key} cannot be '{value}'",
                                f"write {key}=NAME: lower-case letters, digits and dashes (the URL is /serve/NAME/)")
    if key == SERVICE_PORT_ANNOTATION and not (value.isdigit() and 1 <= int(value) <= 65535):
        raise InvalidInputError(f"annotation {key} cannot be '{value}'",
                                f"write {key}=PORT, the port the task listens on (1-65535)")
    if key == SERVICE_HEALTH_ANNOTATION and not _HEALTH_PATH.match(value):
        raise InvalidInputError(f"annotation {key} cannot be '{value}'",
                                f"write {key}=/PATH, a path that answers 2xx once the service is ready")
    return value


def parse_annotations(texts: Iterable[str]) -> list[str]:
    """``key=value`` strings split at the first ``=`` and trimmed; exact duplicates collapse.
    knitgraph's own keys (:data:`KNITGRAPH_ANNOTATIONS`) take one of their values, once."""
    found = set()
    for text in texts:
        key, equals, value = text.partition("=")
        if not equals:
            raise InvalidInputError(f"annotation format error (should be key=value): {text}",
                                    "write annotations as key=value")
        key, value = key.strip(), value.strip()
        allowed = KNITGRAPH_ANNOTATIONS.get(key)
        if allowed is not None and value not in allowed:
            raise InvalidInputError(f"annotation {key} cannot be '{value}'", f"write {key}={' or '.join(allowed)}")
        if key == SAME_ORIGIN_ANNOTATION:
            value = _origin_tag(key, value)
        if key in (SERVICE_ANNOTATION, SERVICE_PORT_ANNOTATION, SERVICE_HEALTH_ANNOTATION):
            value = _service_value(key, value)
        if key in (RETRY_MAX_ANNOTATION, RETRY_BACKOFF_ANNOTATION, CONCURRENCY_ANNOTATION, KEEP_LAST_ANNOTATION,
                   PURGE_FAILED_AFTER_ANNOTATION):
            value = _automation_value(key, value)
        found.add(f"{key}={value}")
    for key in KNITGRAPH_ANNOTATIONS:
        if len([a for a in found if a.startswith(f"{key}=")]) > 1:
            raise InvalidInputError(f"annotation {key} is given twice with different values",
                                    f"keep one {key}=... (knit plan annotate --remove-key {key} first)")
    return sorted(found)


def checked_annotations(texts: Iterable[str]) -> list[str]:
    """A plan's whole set of annotations: each parsed, and together consistent."""
    listed = parse_annotations(texts)
    keys = {a.partition("=")[0] for a in listed}
    if RETRY_BACKOFF_ANNOTATION in keys and RETRY_MAX_ANNOTATION not in keys:
        raise InvalidInputError(f"annotation {RETRY_BACKOFF_ANNOTATION} is given without {RETRY_MAX_ANNOTATION}",
                                f"add {RETRY_MAX_ANNOTATION}=N, how many times a failed Run runs again")
    if CONCURRENCY_ANNOTATION in keys and SERVICE_ANNOTATION in keys:
        raise InvalidInputError(f"annotation {CONCURRENCY_ANNOTATION} cannot limit a service plan",
                                "a service's newer Run replaces the one serving, so both run for a moment; "
                                f"remove {CONCURRENCY_ANNOTATION}")
    return listed


def _origin_tag(key: str, value: str) -> str:
    refused = InvalidInputError(f"annotation {key} cannot be '{value}'",
                                f"write {key}=key:value: a Run's inputs descend from at most one Data with that tag")
    try:
        tag = Tag.parse(value)
    except InvalidInputError:
        raise refused from None
    if tag.is_system() or not tag.value:
        raise refused
    return str(tag)


def annotation_value(annotations: Iterable[str], key: str) -> str | None:
    """The value of ``key`` among ``key=value`` annotations (the first, if given more than once)."""
    return next((a.partition("=")[2] for a in sorted(annotations) if a.partition("=")[0] == key), None)


def check_quantity(kind: str, quantity: str) -> str:
    """A resource's value, checked: a duration for ``timeout``, a whole number for ``pids``, a
    Kubernetes quantity for everything else (``cpu``, ``memory``, ``ephemeral-storage``, ``output``)."""
    if kind == "timeout":
        if duration_seconds(quantity) is None:
            raise InvalidInputError(f"resource timeout: '{quantity}' is not a duration",
                                    "write a positive duration such as 600, 90s, 30m, 2h or 1d")
        return quantity.strip()
    if kind == "pids" and count(quantity) is None:
        raise InvalidInputError(f"resource pids: '{quantity}' is not a number of processes",
                                "give a positive whole number such as 64 or 1024")
    value = quantity_value(quantity)
    if value is None:
        raise InvalidInputError(f"resource {kind}: '{quantity}' is not a quantity",
                                "write Kubernetes quantities such as 500m, 2, 1.5, 512Mi, 2Gi")
    if value < 0 or value >= 2**63:
        raise InvalidInputError(f"resource {kind}: '{quantity}' is out of range",
                                "give a positive amount such as 500m, 2 or 2Gi")
    return quantity.strip()


def with_default_resources(resources: dict[str, str]) -> dict[str, str]:
    checked = {kind: check_quantity(kind, value) for kind, value in resources.items()}
    return {**DEFAULT_RESOURCES, **checked}
