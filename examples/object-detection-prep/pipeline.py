"""Seed 003's data preparation (Kubeflow's object-detection example, up to the pet records) as a
knitgraph pipeline: the three archives you push are extracted, and the images, annotations and
label map become training and validation records.

    knit pipeline apply pipeline.py
    knit pipeline run pets-prep --wait                  # the seed's split: seed 42, 70 % train
    knit pipeline run pets-prep -p seed=7 --wait        # another shuffle

The same steps as the YAML Plans in plans/, but they read Data tagged project:pets-pipeline (the
Plans read project:pets-yaml), so both variants can share a server without one's pushes starting
the other's Runs. Set EXECUTOR=docker to run the steps in the example's image (its scripts are at
/work) instead of as sandboxed processes on this machine.
"""

import os
from pathlib import Path

from knitgraph.pipeline import Pipeline

IMAGE = "localhost/object-detection-prep:v1.0"
SCRIPTS = "/work" if os.environ.get("EXECUTOR") == "docker" else str(Path(__file__).resolve().parent / "scripts")
RESOURCES = {"cpu": "1", "memory": "256Mi"}

pipeline = Pipeline(
    "pets-prep",
    parameters={"seed": 42, "train_fraction": 0.7},  # create_pet_tf_record.py's random.seed(42) and 70 % split
    description="Oxford-IIIT-Pet-like photos and annotations to object-detection records (seed 003)",
)


def tagged(kind: str) -> list[str]:
    return ["project:pets-pipeline", f"type:{kind}"]


def python(script: str, *args: str) -> dict[str, list[str]]:
    return {"entrypoint": ["python", "-u", f"{SCRIPTS}/{script}"], "args": list(args)}


# The seed's three decompress jobs. As first steps they also get the run's parameters (at
# /in/parameters), which ties their outputs to one pipeline run; decompress.py does not read them.
extracted = {}
for kind, output in (("images", "images"), ("annotations", "annotations"), ("model", "pretrained-model")):
    archive = pipeline.data(f"{kind}-archive", tags=tagged(f"{kind}-archive"))
    extracted[kind] = pipeline.step(
        f"decompress-{kind}", image=IMAGE,
        **python("decompress.py", "--archive", "/in/archive", "--out", f"/out/{output}"),
        inputs={"archive": archive},
        outputs={output: [f"type:{output}"]},
        resources=RESOURCES,
    )

# The seed's create-pet-record-job. The label map is a Data too (the seed's was inside its image).
pipeline.step(
    "create-records", image=IMAGE,
    **python("create_pet_record.py", "--images", "/in/images/images", "--annotations", "/in/annotations/annotations",
             "--label-map", "/in/label_map", "--parameters", "/in/parameters", "--out", "/out/records"),
    inputs={
        "images": extracted["images"].output("images"),
        "annotations": extracted["annotations"].output("annotations"),
        "label_map": pipeline.data("label-map", tags=tagged("label-map")),
        "parameters": pipeline.parameters,
    },
    outputs={"records": ["type:pet-records"]},
    resources=RESOURCES,
)
# The extracted model (decompress-model's output) and the training config are for the next
# chapter, training, which no step here does.
