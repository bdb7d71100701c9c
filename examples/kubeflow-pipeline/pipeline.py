"""Seed 004's Kubeflow pipeline (workflow1.py) as a knitgraph pipeline: two branches that differ only
in their preprocessing, each preprocess -> train -> analyse, on the trips Data you push.

    knit pipeline apply pipeline.py
    knit pipeline run taxi -e tip-model -p train_steps=400

Where KFP passed data by path convention (<working_dir>/{{workflow.name}}/tft-train), every wire here
is a Data edge that knitgraph records. Set EXECUTOR=docker to run the steps in the example's image
(its scripts are at /work) instead of as sandboxed processes on this machine.
"""

import os
from pathlib import Path

from knitgraph.pipeline import Pipeline

IMAGE = "localhost/kfp-taxi:v1.0"
SCRIPTS = "/work" if os.environ.get("EXECUTOR") == "docker" else str(Path(__file__).resolve().parent / "scripts")

pipeline = Pipeline(
    "taxi",
    parameters={
        "preprocess_mode": "local",  # seed 004: local or cloud (Dataflow); only local runs here
        "tfma_mode": "local",
        "max_rows": 0,  # 0: every trip
        "train_steps": 300,
        "learning_rate": 0.2,
    },
    description="Chicago-taxi-like tips: which trips end with a tip above 20 % of the fare",
)
trips = pipeline.data("trips", tags=["project:kfp-taxi", "type:taxi-trips"])


def python(script: str, *args: str) -> dict[str, list[str]]:
    return {"entrypoint": ["python", "-u", f"{SCRIPTS}/{script}"], "args": list(args)}


for branch in ("1", "2"):
    preprocess = pipeline.step(
        f"preprocess-{branch}", image=IMAGE,
        **python("preprocess.py", "--variant", branch, "--trips", "/in/trips", "--parameters", "/in/parameters",
                 "--train", "/out/train", "--eval", "/out/eval"),
        inputs={"trips": trips, "parameters": pipeline.parameters},
        outputs=["train", "eval"],
        resources={"cpu": "1", "memory": "512Mi"},
    )
    train = pipeline.step(
        f"train-{branch}", image=IMAGE,
        **python("train.py", "--features", "/in/features", "--parameters", "/in/parameters", "--model", "/out/model"),
        inputs={"features": preprocess.output("train"), "parameters": pipeline.parameters},
        outputs={"model": ["type:model"]},
        resources={"cpu": "1", "memory": "512Mi"},
    )
    pipeline.step(
        f"analyse-{branch}", image=IMAGE,
        **python("analyse.py", "--model", "/in/model", "--eval", "/in/eval", "--parameters", "/in/parameters",
                 "--analysis", "/out/analysis"),
        inputs={"model": train.output("model"), "eval": preprocess.output("eval"), "parameters": pipeline.parameters},
        outputs=["analysis"],
        resources={"cpu": "1", "memory": "512Mi"},
    )
