"""Pipelines in Python: steps wired output to input in plain Python, compiled to plain Plans.

    from knitgraph.pipeline import Pipeline

    pipeline = Pipeline("taxi", parameters={"train_steps": 200})
    trips = pipeline.data("trips", tags=["type:taxi-trips"])
    prep = pipeline.step("preprocess", image="localhost/taxi:v1", entrypoint=["python", "prep.py"],
                         inputs={"trips": trips}, outputs=["features"])
    pipeline.step("train", image="localhost/taxi:v1", entrypoint=["python", "train.py"],
                  inputs={"features": prep.output("features"), "params": pipeline.parameters},
                  outputs=["model"])

``knit pipeline apply FILE.py`` registers the Plans; ``knit pipeline run NAME -p train_steps=400``
pushes a parameters Data that starts one pipeline run. See docs/pipelines.md.
"""

from .compiler import CompiledPipeline, CompiledStep, compile_pipeline
from .dsl import DataSelector, OutputRef, ParametersRef, Pipeline, PipelineError, Step
from .loader import load_pipelines

__all__ = [
    "CompiledPipeline",
    "CompiledStep",
    "DataSelector",
    "OutputRef",
    "ParametersRef",
    "Pipeline",
    "PipelineError",
    "Step",
    "compile_pipeline",
    "load_pipelines",
]
