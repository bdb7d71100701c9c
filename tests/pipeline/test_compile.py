"""Pipelines in Python compile to plain Plans wired by tags; mistakes are named with step and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knitgraph.cli.plan_file import PlanFile
from knitgraph.graph_schema.plan_spec import PlanSpec, RetryPolicy, ServiceSpec, retry_of, service_of
from knitgraph.pipeline import Pipeline, PipelineError, compile_pipeline, load_pipelines

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/kubeflow-pipeline/pipeline.py"


def two_steps() -> Pipeline:
    pipeline = Pipeline("demo", parameters={"steps": 10, "rate": 0.5, "fast": False, "mode": "local"})
    raw = pipeline.data("raw", tags=["type:raw"])
    prep = pipeline.step("prep", image="localhost/demo:v1", entrypoint=["python", "prep.py"],
                         inputs={"raw": raw}, outputs=["features"])
    pipeline.step("train", image="localhost/demo:v1", entrypoint=["python", "train.py"],
                  inputs={"features": prep.output("features"), "params": pipeline.parameters},
                  outputs={"model": ["type:model"]}, resources={"memory": "1Gi"})
    return pipeline


def test_steps_are_wired_by_generated_tags_and_first_steps_read_the_parameters() -> None:
    compiled = compile_pipeline(two_steps())
    prep, train = (s.plan for s in compiled.steps)
    assert [s.name for s in compiled.steps] == ["prep", "train"]
    assert prep["inputs"] == [{"path": "/in/raw", "tags": ["type:raw"]},
                              {"path": "/in/parameters", "tags": ["pipeline:demo", "pipeline-parameters:demo"]}]
    assert prep["outputs"] == [{"path": "/out/features", "tags": ["pipeline:demo", "pipeline-step:prep",
                                                                  "pipeline-data:prep.features"]}]
    assert train["inputs"] == [
        {"path": "/in/features", "tags": ["pipeline:demo", "pipeline-data:prep.features"]},
        {"path": "/in/params", "tags": ["pipeline:demo", "pipeline-parameters:demo"]},
    ]
    assert train["outputs"][0]["tags"][-1] == "type:model"
    assert train["resources"] == {"memory": "1Gi"}
    annotations = dict(a.split("=", 1) for a in train["annotations"])
    assert annotations["knitgraph.io/pipeline"] == "demo" and annotations["knitgraph.io/pipeline-step"] == "train"
    assert json.loads(annotations["knitgraph.io/pipeline-parameters"]) == {"steps": 10, "rate": 0.5, "fast": False,
                                                                            "mode": "local"}
    assert annotations["knitgraph.io/same-origin"] == "pipeline-parameters:demo"


def test_compiled_plans_are_valid_knitfab_plans() -> None:
    for step in compile_pipeline(two_steps()).steps:
        spec = PlanFile.model_validate(step.plan).to_spec_input()
        PlanSpec.build(image=spec["image"], inputs=[(i["path"], i["tags"]) for i in spec["inputs"]],
                       outputs=[(o["path"], o["tags"]) for o in spec["outputs"]], log=spec["log"]["tags"],
                       annotations=spec["annotations"])


def test_the_seed_004_example_compiles_to_six_steps() -> None:
    (pipeline,) = load_pipelines(EXAMPLE)
    compiled = compile_pipeline(pipeline)
    assert [s.name for s in compiled.steps] == ["preprocess-1", "train-1", "analyse-1",
                                                "preprocess-2", "train-2", "analyse-2"]
    assert "# step analyse-2 (" in compiled.to_yaml()


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "pipeline.py"
    file.write_text("from knitgraph.pipeline import Pipeline\n" + text)
    return file


def error_of(tmp_path: Path, text: str) -> PipelineError:
    file = write(tmp_path, text)
    with pytest.raises(PipelineError) as caught:
        for pipeline in load_pipelines(file):
            compile_pipeline(pipeline)
    return caught.value


def test_a_file_that_raises_is_reported_with_its_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "p = Pipeline('x')\n\nraise ValueError('bad config')\n")
    assert str(error.where).endswith("pipeline.py:4") and "ValueError: bad config" in error.reason


def test_a_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "p = Pipeline('x'\n")
    assert error.where is not None and error.where.line == 2


def test_an_input_wired_to_something_that_is_no_output_names_step_and_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "p = Pipeline('x')\np.step('a', image='i:1', inputs={'data': '/tmp/data'})\n")
    assert "step 'a': input 'data' is wired to '/tmp/data', which is no output" in error.reason
    assert error.where is not None and error.where.line == 3


def test_an_unknown_output_lists_the_step_outputs(tmp_path: Path) -> None:
    error = error_of(tmp_path, "p = Pipeline('x')\na = p.step('a', image='i:1', outputs=['model'])\n"
                               "b = p.step('b', image='i:1', inputs={'m': a.output('modle')})\n")
    assert error.reason == "step 'a' has no output 'modle' (its outputs: model)"
    assert error.where is not None and error.where.line == 4


def test_a_cycle_is_refused_naming_its_steps(tmp_path: Path) -> None:
    error = error_of(tmp_path, "p = Pipeline('x')\na = p.step('a', image='i:1', outputs=['o'])\n"
                               "b = p.step('b', image='i:1', inputs={'i': a.output('o')}, outputs=['o'])\n"
                               "a.input('back', b.output('o'))\n")
    assert "steps make a cycle: a -> b -> a" in error.reason


def test_bad_names_and_duplicates_are_refused(tmp_path: Path) -> None:
    assert "pipeline name 'My Pipe' is not a valid name" in error_of(tmp_path, "Pipeline('My Pipe')\n").reason
    error = error_of(tmp_path, "p = Pipeline('x')\np.step('a', image='i:1')\np.step('a', image='i:1')\n")
    assert "step 'a' is declared twice" in error.reason and error.where is not None and error.where.line == 4
    error = error_of(tmp_path, "p = Pipeline('x')\np.step('a', image='i:1', outputs={'o': ['pipeline:y']})\n")
    assert "reserved key" in error.reason


def test_wiring_across_pipelines_is_refused(tmp_path: Path) -> None:
    error = error_of(tmp_path, "p = Pipeline('x')\nq = Pipeline('y')\na = p.step('a', image='i:1', outputs=['o'])\n"
                               "q.step('b', image='i:1', inputs={'i': a.output('o')})\n")
    assert "reads step 'a' of pipeline 'x', not of 'y'" in error.reason


def test_a_file_without_pipeline_is_refused(tmp_path: Path) -> None:
    assert "defines no pipeline" in error_of(tmp_path, "x = 1\n").reason


def test_a_service_step_and_a_service_in_a_plan_file_are_service_annotations(tmp_path: Path) -> None:
    pipeline = two_steps()
    pipeline.step("serve", image="localhost/demo:v1", entrypoint=["python", "serve.py"],
                  inputs={"model": pipeline.steps["train"].output("model")},
                  service={"name": "demo-model", "port": 8500, "health": "/healthz"})
    serve = next(s.plan for s in compile_pipeline(pipeline).steps if s.name == "serve")
    expected = ["knitgraph.io/service=demo-model", "knitgraph.io/service-port=8500",
                "knitgraph.io/service-health=/healthz"]
    assert set(expected) <= set(serve["annotations"])
    spec = PlanFile.model_validate(serve).to_spec_input()
    assert service_of(PlanSpec.build(image=spec["image"], inputs=[(i["path"], i["tags"]) for i in spec["inputs"]],
                                     annotations=spec["annotations"]).annotations) == ServiceSpec("demo-model", 8500,
                                                                                                    "/healthz")
    from_file = PlanFile.model_validate({"image": "i:1", "inputs": [{"path": "/in/m", "tags": ["type:model"]}],
                                         "service": {"name": "m", "port": 9000}}).to_spec_input()
    assert "service" not in from_file
    assert from_file["annotations"] == ["knitgraph.io/service=m", "knitgraph.io/service-port=9000"]
    error = error_of(tmp_path, "p = Pipeline('x')\np.step('a', image='i:1', service={'port': 80})\n")
    assert "service must be {'name': ..." in error.reason


def test_retry_and_concurrency_of_a_step_and_a_plan_file_are_annotations(tmp_path: Path) -> None:
    pipeline = two_steps()
    pipeline.step("flaky", image="localhost/demo:v1", inputs={"model": pipeline.steps["train"].output("model")},
                  retry={"max": 3, "backoff": "30s"}, concurrency=2)
    flaky = next(s.plan for s in compile_pipeline(pipeline).steps if s.name == "flaky")
    expected = {"knitgraph.io/retry-max=3", "knitgraph.io/retry-backoff=30s", "knitgraph.io/concurrency=2"}
    assert expected <= set(flaky["annotations"])
    spec = PlanFile.model_validate(flaky).to_spec_input()
    built = PlanSpec.build(image=spec["image"], inputs=[(i["path"], i["tags"]) for i in spec["inputs"]],
                           annotations=spec["annotations"])
    assert retry_of(built.annotations) == RetryPolicy(3, 30.0)
    assert RetryPolicy(3, 30.0).delay_seconds(3) == 120.0
    from_file = PlanFile.model_validate({"image": "i:1", "inputs": [{"path": "/in/m", "tags": ["type:model"]}],
                                         "retry": {"max": 2}, "concurrency": 4}).to_spec_input()
    assert from_file["annotations"] == ["knitgraph.io/retry-max=2", "knitgraph.io/concurrency=4"]
    error = error_of(tmp_path, "p = Pipeline('x')\np.step('a', image='i:1', retry={'backoff': '1s'})\n")
    assert "retry must be {'max': N, 'backoff': DURATION}" in error.reason
    error = error_of(tmp_path, "p = Pipeline('x')\np.step('a', image='i:1', concurrency='2')\n")
    assert "concurrency '2' is not a whole number" in error.reason
