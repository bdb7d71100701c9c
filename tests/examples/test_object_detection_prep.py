"""examples/object-detection-prep: seed 003's data preparation (decompress three archives, make the
pet records) as YAML Plans and as a Python pipeline.

The fast tests run the example's scripts on its generated data without a server; the e2e tests run
run.sh with both executors and check what a user would look at: the seed's 70/30 split of
trainval.txt with random seed 42, the example without XML skipped with a warning, classes and
labels from the file names and the label map, boxes divided by the image size, the records'
lineage back to the pushed archives, the same records from both variants, and the metrics."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import random
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import pytest

from .conftest import EXAMPLES, Example

EXAMPLE = EXAMPLES / "object-detection-prep"
LABELS = {"Abyssinian": 1, "basset_hound": 2, "beagle": 3}
TRAIN_FILE, VAL_FILE = "pet_train.record.jsonl", "pet_val.record.jsonl"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"object_detection_prep_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare = load(EXAMPLE / "prepare_data.py")
records_script = load(EXAMPLE / "scripts/create_pet_record.py")
decompress = load(EXAMPLE / "scripts/decompress.py")
FIXTURES: dict[str, bytes] = prepare.fixtures()
TRAINVAL = [line.split()[0] for line in FIXTURES["annotations/trainval.txt"].decode().splitlines()]
MISSING = [name for name in TRAINVAL if f"annotations/xmls/{name}.xml" not in FIXTURES]


def expected_split(seed: int, fraction: float) -> tuple[list[str], list[str]]:
    """What create_pet_tf_record.py does: random.seed(seed), random.shuffle, the first int(fraction * n) train."""
    names = list(TRAINVAL)
    state = random.getstate()
    try:
        random.seed(seed)
        random.shuffle(names)
    finally:
        random.setstate(state)
    cut = int(fraction * len(names))
    return names[:cut], names[cut:]


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def check_records(folder: Path, seed: int = 42, fraction: float = 0.7) -> None:
    """The records of one create-records Run, against the generated data."""
    train, val = expected_split(seed, fraction)
    for file, names in ((TRAIN_FILE, train), (VAL_FILE, val)):
        records = read_records(folder / file)
        assert [r["filename"] for r in records] == [f"{n}.jpg" for n in names if n not in MISSING], file
        for record in records:
            name = record["filename"].removesuffix(".jpg")
            breed = name.rsplit("_", 1)[0]
            assert record["classes_text"] == [breed] and record["classes"] == [LABELS[breed]]
            jpeg = FIXTURES[f"images/{record['filename']}"]
            assert base64.b64decode(record["encoded"]) == jpeg
            assert record["key"] == hashlib.sha256(jpeg).hexdigest()
            voc = ElementTree.fromstring(FIXTURES[f"annotations/xmls/{name}.xml"])
            width, height = int(voc.findtext("size/width") or 0), int(voc.findtext("size/height") or 0)
            assert (record["width"], record["height"]) == (width, height)
            for key, size in (("xmin", width), ("xmax", width), ("ymin", height), ("ymax", height)):
                assert record[key] == [int(voc.findtext(f"object/bndbox/{key}") or 0) / size]
                assert all(0 <= v <= 1 for v in record[key])
            assert record["xmin"][0] < record["xmax"][0] and record["ymin"][0] < record["ymax"][0]
            assert record["difficult"] == [int(voc.findtext("object/difficult") or 0)]
            assert record["pose"] == [voc.findtext("object/pose")]
    metrics = json.loads((folder / "metrics.json").read_text())
    skipped = [n for n in MISSING if n in train + val]
    assert metrics == {"train_examples": len([n for n in train if n not in MISSING]),
                       "val_examples": len([n for n in val if n not in MISSING]), "skipped": len(skipped)}
    report = json.loads((folder / "report.json").read_text())
    assert [s["example"] for s in report["skipped"]] == skipped
    assert report["seed"] == seed and report["label_map"] == LABELS


# ------------------------------------------------------------------------------------------------
# Without a server.

def test_the_data_has_three_breeds_and_one_trainval_example_without_xml() -> None:
    assert len(TRAINVAL) == 24 and len(MISSING) == 1 and MISSING[0].startswith("beagle_")
    assert {name.rsplit("_", 1)[0] for name in TRAINVAL} == set(LABELS)
    assert all(FIXTURES[p].startswith(b"\xff\xd8") and FIXTURES[p].endswith(b"\xff\xd9")
               for p in FIXTURES if p.endswith(".jpg"))
    assert all(FIXTURES[p].startswith(b"\x89PNG") for p in FIXTURES if p.endswith(".png"))
    assert prepare.fixtures() == FIXTURES  # always the same bytes


def test_the_split_is_the_seeds_random_seed_42_shuffle_and_70_percent() -> None:
    train, val = records_script.split_examples(TRAINVAL)
    assert (train, val) == expected_split(42, 0.7)
    assert (len(train), len(val)) == (16, 8) and sorted(train + val) == sorted(TRAINVAL)
    assert records_script.split_examples(TRAINVAL, 1, 0.8) == expected_split(1, 0.8)


def test_the_class_comes_from_the_file_name_and_the_label_map() -> None:
    assert records_script.class_from_filename("basset_hound_12.jpg") == "basset_hound"
    assert records_script.class_from_filename("Abyssinian_1.jpg") == "Abyssinian"
    with pytest.raises(ValueError, match="cannot tell the class"):
        records_script.class_from_filename("12.jpg")


def test_the_scripts_make_the_records_and_skip_the_example_without_xml(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(EXAMPLE / "prepare_data.py"), str(tmp_path / "in")], check=True,
                   capture_output=True)
    for kind in ("images", "annotations", "model"):
        decompress.extract(decompress.find_archive(tmp_path / "in" / kind), tmp_path / "x" / kind)
    assert (tmp_path / "x/model" / prepare.MODEL / "model.ckpt.index").exists()
    assert records_script.read_label_map(tmp_path / "in/label-map") == LABELS
    done = subprocess.run(
        [sys.executable, str(EXAMPLE / "scripts/create_pet_record.py"), "--images", str(tmp_path / "x/images/images"),
         "--annotations", str(tmp_path / "x/annotations/annotations"), "--label-map", str(tmp_path / "in/label-map"),
         "--out", str(tmp_path / "records")], capture_output=True, text=True, check=True)
    assert f"WARNING: could not find {tmp_path}/x/annotations/annotations/xmls/{MISSING[0]}.xml" in done.stderr
    check_records(tmp_path / "records")


def test_an_image_that_is_no_jpeg_stops_the_record_step(tmp_path: Path) -> None:
    images, annotations = tmp_path / "images", tmp_path / "annotations"
    for path, data in FIXTURES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    (images / f"{TRAINVAL[0]}.jpg").write_bytes(b"GIF89a not a jpeg")
    (tmp_path / "map.pbtxt").write_text(prepare.label_map())
    done = subprocess.run(
        [sys.executable, str(EXAMPLE / "scripts/create_pet_record.py"), "--images", str(images),
         "--annotations", str(annotations), "--label-map", str(tmp_path / "map.pbtxt"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=False)
    assert done.returncode == 1 and f"ERROR: {TRAINVAL[0]}.jpg: Image format not JPEG" in done.stderr


@pytest.mark.parametrize(("name", "link"), [("../escaped.txt", ""), ("/tmp/absolute.txt", ""), ("passwd", "/etc/passwd")])
def test_decompress_refuses_members_outside_its_folder(tmp_path: Path, name: str, link: str) -> None:
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        if link:
            info.type, info.linkname = tarfile.SYMTYPE, link
            tar.addfile(info)
        else:
            info.size = 3
            tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(SystemExit, match="refusing"):
        decompress.extract(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "out/passwd").exists()


# ------------------------------------------------------------------------------------------------
# run.sh end to end.

def check_object_detection_prep(example: Example, executor: str) -> None:
    work = example.work
    summary = json.loads((work / "summary.json").read_text())
    assert summary["executor"] == executor
    yaml, pipeline = summary["yaml"], summary["pipeline"]

    # The YAML Plans: every Run by this executor, exit 0; the records as the seed's script makes them.
    assert sorted(yaml["plans"]) == ["create-records", "decompress-annotations", "decompress-images", "decompress-model"]
    run = example.knit("run", "show", yaml["records_run"])
    assert run["executor"] == executor and run["exit"] == {"code": 0, "message": ""}
    assert {i["knitId"] for i in run["inputs"]} == {yaml["extracted"]["images"], yaml["extracted"]["annotations"],
                                                    yaml["pushed"]["label-map"]}
    check_records(Path(yaml["records_dir"]))
    assert f"WARNING: could not find /in/annotations/annotations/xmls/{MISSING[0]}.xml" in example.output

    # knitgraph recorded metrics.json on the records Data.
    data = example.knit("data", "show", yaml["records"])
    metrics = {m["name"]: m["value"] for m in data["metrics"]}
    assert metrics == json.loads((Path(yaml["records_dir"]) / "metrics.json").read_text())
    assert metrics == {"train_examples": 15, "val_examples": 8, "skipped": 1}
    assert {"project:pets-yaml", "type:pet-records"} <= set(data["tags"])

    # The records' lineage reaches the pushed images and annotations tarballs and the label map
    # (through the decompress Runs), not the model or the config.
    lineage = json.loads((work / "graphs/yaml-records-lineage.json").read_text())
    reached = {d["knitId"] for d in lineage["data"]}
    pushed = yaml["pushed"]
    assert {pushed["images"], pushed["annotations"], pushed["label-map"], yaml["extracted"]["images"]} <= reached
    assert not {pushed["model"], pushed["config"]} & reached
    assert Path(summary["graphs"]["yaml-records-lineage"]).read_text().startswith(("<?xml", "<svg"))

    # The pipeline: both runs done, every step by this executor; its records are the Plans' records.
    first, second = pipeline["runs"]
    assert [first["status"], second["status"]] == ["done", "done"]
    steps = ["create-records", "decompress-annotations", "decompress-images", "decompress-model"]
    for found in (first, second):
        assert sorted(r["step"] for r in found["runs"]) == steps
        for step_run in found["runs"]:
            ran = example.knit("run", "show", step_run["run"]["runId"])
            assert ran["executor"] == executor and ran["exit"] == {"code": 0, "message": ""}
    for file in (TRAIN_FILE, VAL_FILE, "metrics.json", "report.json"):
        assert (Path(pipeline["records_dir"]) / file).read_bytes() == (Path(yaml["records_dir"]) / file).read_bytes()
    assert "identical: pet_train.record.jsonl" in example.output
    lineage = json.loads((work / "graphs/pipeline-records-lineage.json").read_text())
    reached = {d["knitId"] for d in lineage["data"]}
    assert {pipeline["pushed"]["images"], pipeline["pushed"]["annotations"], first["knitId"]} <= reached
    assert not {yaml["pushed"]["images"], second["knitId"]} & reached  # the variants' Data do not mix

    # The second run's parameters make another split, and its metrics say so.
    assert {p["name"]: p["value"] for p in second["parameters"]} == {"seed": "1", "train_fraction": "0.8"}
    records_metrics = next({m["name"]: m["value"] for m in r["metrics"]} for r in second["runs"]
                           if r["step"] == "create-records")
    train, val = expected_split(1, 0.8)
    assert records_metrics == {"train_examples": len(set(train) - set(MISSING)),
                               "val_examples": len(set(val) - set(MISSING)), "skipped": 1}
    drawn = json.loads((work / "graphs/pets-prep-pipeline.json").read_text())
    assert len(drawn["plans"]) == 4
    assert "4 steps compiled into pets-prep-plans.yaml" in example.output


@pytest.mark.e2e
def test_object_detection_prep_with_the_process_executor(run_example: Any) -> None:
    check_object_detection_prep(run_example("object-detection-prep/run.sh"), "process")


@pytest.mark.e2e
def test_object_detection_prep_with_the_docker_executor(run_example: Any, example_images: str) -> None:
    check_object_detection_prep(run_example("object-detection-prep/run.sh", EXECUTOR="docker",
                                            DOCKER_HOST=example_images), "docker")
