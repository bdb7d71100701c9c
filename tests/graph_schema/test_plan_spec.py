"""Plan validation (Knitfab reference §3.2, acceptance scenario 5) and equivalence (§3.3)."""

from __future__ import annotations

from typing import Any

import pytest

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import PlanSpec, ServiceSpec, service_of


def build(**overrides: Any) -> PlanSpec:
    fields: dict[str, Any] = {"image": "train:v1", "inputs": [("/in/data", ["type:dataset"])],
                              "outputs": [("/out/model", ["type:model"])], "log": ["type:log"]}
    fields.update(overrides)
    return PlanSpec.build(**fields)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"inputs": []}, "unreachable plan: no inputs"),
        ({"inputs": [("/in/data", [])]}, "no tags for input"),
        ({"inputs": [("/in/data", ["knit#transient:failed"])]}, "knit#transient"),
        ({"inputs": [("/in/data", ["knit#id:a", "knit#id:b"])]}, "found twice"),
        ({"inputs": [("/in/data", ["knit#color:red"])]}, "unknown system tag"),
        ({"outputs": [("/out/model", ["knit#id:x"])]}, "reserved by system"),
        ({"log": ["knit#x:y"]}, "log cannot have tag"),
        ({"inputs": [("/in/data", ["a:b"]), ("/in/data/1", ["c:d"])]}, "overlapped"),
        ({"inputs": [("/path/data/", ["a:b"])], "outputs": [("/path/data/1", ["c:d"])]}, "overlapped"),
        ({"inputs": [("/in/x", ["a:b"]), ("/in/x", ["c:d"])]}, "overlapped"),
        ({"inputs": [("in/1", ["a:b"])]}, "not absolute or not clean"),
        ({"inputs": [("/in/../etc", ["a:b"])]}, "not absolute or not clean"),
        ({"inputs": [("", ["a:b"])]}, "path is empty"),
        ({"image": "train"}, "nameless or versionless image"),
        ({"image": "registry:5000/train"}, "nameless or versionless image"),
        ({"image": "Train:v1"}, "not a valid image reference"),
        ({"outputs": [("/log", ["a:b"])]}, "reserved for the log"),
        ({"on_node": {"must": ["novalue"]}}, "label format error"),
        ({"on_node": {"must": ["key="]}}, "value is empty"),
        ({"resources": {"cpu": "lots"}}, "not a quantity"),
        ({"resources": {"timeout": "soon"}}, "resource timeout: 'soon' is not a duration"),
        ({"resources": {"timeout": "-5s"}}, "not a duration"),
        ({"resources": {"pids": "1.5"}}, "resource pids: '1.5' is not a number of processes"),
        ({"resources": {"pids": "0"}}, "not a number of processes"),
        ({"resources": {"output": "-1Gi"}}, "out of range"),
        ({"resources": {"memory": "-1"}}, "out of range"),
        ({"resources": {"memory": "-1Gi"}}, "out of range"),
        ({"resources": {"memory": "1e999"}}, "out of range|not a quantity"),
        ({"resources": {"cpu": "inf"}}, "not a quantity"),
        ({"resources": {"cpu": "nan"}}, "not a quantity"),
        ({"inputs": [("/in/a\x00b", ["a:b"])]}, "control character"),
        ({"outputs": [("/out/\ttab", ["a:b"])]}, "control character"),
        ({"inputs": [("/in/" + "d" * 5000, ["a:b"])]}, "longer than 4096 bytes"),
        ({"entrypoint": ["python\x00", "-c"]}, "entrypoint holds a NUL"),
        ({"args": ["--x", "y\x00z"]}, "args holds a NUL"),
        ({"inputs": [("/in/data", [f"k:{i}" for i in range(201)])]}, "201 tags on input /in/data"),
        ({"outputs": [("/out/model", [f"k:{i}" for i in range(201)])]}, "201 tags on an output or log"),
        ({"inputs": [(f"/in/{i}", ["a:b"]) for i in range(101)]}, "more than 100"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_invalid_plans_are_refused_with_the_reason(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        build(**overrides)
    assert caught.value.advice


def test_tabs_and_newlines_in_args_are_kept_as_a_shell_would() -> None:
    assert build(args=["-c", "print(1)\nprint(2)", "a\tb"]).args == ("-c", "print(1)\nprint(2)", "a\tb")


def test_segments_decide_overlap_so_prefix_lookalikes_are_fine() -> None:
    spec = build(inputs=[("/in/1", ["a:b"]), ("/in/10", ["c:d"])])
    assert [i.path for i in spec.inputs] == ["/in/1", "/in/10"]


def test_defaults_and_normalisation() -> None:
    spec = build(inputs=[("/in/data/", ["type:dataset", "knit#id:abc"])], image="registry.local:5000/train:v1")
    assert spec.active is True
    assert spec.resources == {"cpu": "1", "memory": "1Gi"}
    assert spec.inputs[0].path == "/in/data" and spec.inputs[0].pin_knit_id == "abc"
    assert spec.image == "registry.local:5000/train:v1"


def test_equivalence_ignores_order_and_mutable_fields() -> None:
    first = build(inputs=[("/in/a", ["x:1"]), ("/in/b", ["y:1"])], annotations=["a=1"], active=True)
    second = build(inputs=[("/in/b", ["y:1"]), ("/in/a", ["x:1"])], annotations=["b=2"], active=False,
                   resources={"cpu": "2"}, service_account="sa")
    assert first.hash() == second.hash()
    assert build(outputs=[("/out/model", ["type:other"])]).hash() != build().hash()
    assert build(args=["--x"]).hash() != build().hash()
    assert build(entrypoint=[]).hash() == build().hash()


def test_limits_are_resources_with_their_own_units() -> None:
    spec = build(resources={"timeout": "30m", "pids": "64", "ephemeral-storage": "2Gi", "output": "5Gi"})
    assert spec.resources == {"cpu": "1", "memory": "1Gi", "timeout": "30m", "pids": "64",
                              "ephemeral-storage": "2Gi", "output": "5Gi"}


def test_same_origin_annotation_is_a_user_tag() -> None:
    spec = build(annotations=["knitgraph.io/same-origin= pipeline-parameters : taxi "])
    assert spec.annotations == ("knitgraph.io/same-origin=pipeline-parameters:taxi",)
    for bad in ("taxi", "knit#id:x", "key:"):
        with pytest.raises(InvalidInputError, match=r"knitgraph\.io/same-origin cannot be"):
            build(annotations=[f"knitgraph.io/same-origin={bad}"])


def test_service_annotations_name_a_url_a_port_and_a_health_path() -> None:
    spec = build(annotations=["knitgraph.io/service=taxi-fare", "knitgraph.io/service-port=9000"])
    assert service_of(spec.annotations) == ServiceSpec("taxi-fare", 9000, "/")
    assert service_of(build().annotations) is None
    for key, bad, advice in (("service", "Taxi Fare", "lower-case letters"), ("service-port", "0", "1-65535"),
                             ("service-port", "http", "1-65535"), ("service-health", "healthz", "/PATH")):
        with pytest.raises(InvalidInputError, match=rf"knitgraph\.io/{key} cannot be") as refused:
            build(annotations=[f"knitgraph.io/{key}={bad}"])
        assert advice in refused.value.advice
