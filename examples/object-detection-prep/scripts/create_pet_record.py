"""Turn the pets' images and annotations into training and validation records (seed 003's
create-pet-record-job, which runs the TensorFlow Object Detection API's create_pet_tf_record.py).

    python create_pet_record.py --images DIR --annotations DIR --label-map FILE_OR_DIR --out DIR
                                [--seed 42] [--train-fraction 0.7] [--parameters DIR]

What it keeps from the original: the examples are the names listed in ANNOTATIONS/trainval.txt
(first word of each line), shuffled with random seed 42 and split 70 % train / 30 % validation;
for each, ANNOTATIONS/xmls/<name>.xml (PASCAL VOC) gives the image size and boxes; the image
IMAGES/<filename> must be a JPEG and its trimap ANNOTATIONS/trimaps/<name>.png a PNG; the class
comes from the file name (`([A-Za-z_]+)(_[0-9]+\\.jpg)`: basset_hound_12.jpg is basset_hound), its
id from the label map; boxes are divided by the image's width and height; the key is the sha256
of the JPEG. An example without XML is skipped with a warning; an image that is no JPEG stops
the step with an error.

What differs: there is no TensorFlow here, so the records are JSON lines (one example per line,
the JPEG base64-encoded as the TFRecord's image/encoded), written to OUT/pet_train.record.jsonl
and OUT/pet_val.record.jsonl instead of TFRecord files. The trimaps are checked (PNG, same size as
the image) but not stored: the original stores them only for mask training. OUT/metrics.json
holds the counts (train_examples, val_examples, skipped), which knitgraph records as the output
Data's metrics; OUT/report.json names the skipped examples and counts the classes.

--parameters DIR reads DIR/parameters.json (a pipeline run's parameters: seed, train_fraction),
which overrides --seed and --train-fraction.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import re
import struct
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

CLASS_FROM_FILE = re.compile(r"([A-Za-z_]+)(_[0-9]+\.jpg)", re.IGNORECASE)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRAIN_FILE, VAL_FILE = "pet_train.record.jsonl", "pet_val.record.jsonl"


def read_examples(path: Path) -> list[str]:
    """The example names of a list file: the first word of each line (blank lines and # comments skipped)."""
    names = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.split()[0])
    return names


def split_examples(examples: list[str], seed: int = 42, train_fraction: float = 0.7) -> tuple[list[str], list[str]]:
    """Shuffle with ``seed`` (as random.seed(seed); random.shuffle(...)) and cut: the first
    int(train_fraction * n) for training, the rest for validation."""
    shuffled = list(examples)
    random.Random(seed).shuffle(shuffled)
    cut = int(train_fraction * len(shuffled))
    return shuffled[:cut], shuffled[cut:]


def class_from_filename(filename: str) -> str:
    match = CLASS_FROM_FILE.match(filename)
    if match is None:
        raise ValueError(f"cannot tell the class of {filename!r}: expected <Breed>_<number>.jpg")
    return match.group(1)


def read_label_map(path: Path) -> dict[str, int]:
    """name -> id from a label map in protobuf text format (``item { id: 1 name: 'Abyssinian' }``).
    ``path`` may be the .pbtxt file or a folder holding exactly one."""
    if path.is_dir():
        found = sorted(path.glob("*.pbtxt"))
        if len(found) != 1:
            raise SystemExit(f"{path} should hold exactly one .pbtxt label map; found {len(found)}")
        path = found[0]
    labels: dict[str, int] = {}
    for item in re.findall(r"item\s*\{(.*?)\}", path.read_text(), flags=re.DOTALL):
        ids = re.search(r"\bid\s*:\s*(\d+)", item)
        names = re.search(r"\bname\s*:\s*['\"]([^'\"]+)['\"]", item)
        if ids is None or names is None:
            raise SystemExit(f"{path}: an item without id or name: {item.strip()!r}")
        labels[names.group(1)] = int(ids.group(1))
    if not labels:
        raise SystemExit(f"{path}: no label map items")
    return labels


def parse_voc(path: Path) -> dict[str, Any]:
    """A PASCAL VOC annotation: filename, size and objects (name, pose, truncated, difficult, box)."""
    root = ElementTree.parse(path).getroot()

    def text(node: ElementTree.Element, key: str, default: str = "") -> str:
        found = node.find(key)
        return default if found is None or found.text is None else found.text.strip()

    objects = []
    for obj in root.findall("object"):
        box = obj.find("bndbox")
        if box is None:
            raise ValueError(f"{path}: an object without bndbox")
        objects.append({
            "name": text(obj, "name"),
            "pose": text(obj, "pose", "Unspecified"),
            "truncated": int(text(obj, "truncated", "0")),
            "difficult": int(text(obj, "difficult", "0")),
            **{key: float(text(box, key)) for key in ("xmin", "ymin", "xmax", "ymax")},
        })
    return {"filename": text(root, "filename"), "width": int(text(root, "size/width")),
            "height": int(text(root, "size/height")), "objects": objects}


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's frame header; ValueError if the bytes are no JPEG."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("Image format not JPEG")
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError("Image format not JPEG (broken marker)")
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    raise ValueError("Image format not JPEG (no frame header)")


def png_size(data: bytes) -> tuple[int, int]:
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("Mask format not PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def example_record(name: str, images: Path, annotations: Path, labels: dict[str, int]) -> dict[str, Any] | None:
    """One example as a record, or None (after a warning) when it has no annotation XML."""
    xml_path = annotations / "xmls" / f"{name}.xml"
    if not xml_path.exists():
        print(f"WARNING: could not find {xml_path}, ignoring example {name}", file=sys.stderr, flush=True)
        return None
    voc = parse_voc(xml_path)
    encoded = (images / voc["filename"]).read_bytes()
    try:
        size = jpeg_size(encoded)
    except ValueError as error:
        raise ValueError(f"{voc['filename']}: {error}") from error
    width, height = voc["width"], voc["height"]
    if size != (width, height):
        raise ValueError(f"{voc['filename']} is {size[0]}x{size[1]} but {xml_path.name} says {width}x{height}")
    trimap = (annotations / "trimaps" / f"{name}.png").read_bytes()
    try:
        mask = png_size(trimap)
    except ValueError as error:
        raise ValueError(f"{name}.png: {error}") from error
    if mask != size:
        raise ValueError(f"trimap {name}.png is {mask[0]}x{mask[1]}, its image {size[0]}x{size[1]}")
    class_name = class_from_filename(voc["filename"])
    if class_name not in labels:
        raise ValueError(f"{voc['filename']}: class {class_name!r} is not in the label map ({', '.join(labels)})")
    objects = voc["objects"]
    return {
        "filename": voc["filename"],
        "source_id": voc["filename"],
        "key": hashlib.sha256(encoded).hexdigest(),
        "width": width,
        "height": height,
        "format": "jpeg",
        "xmin": [o["xmin"] / width for o in objects],
        "xmax": [o["xmax"] / width for o in objects],
        "ymin": [o["ymin"] / height for o in objects],
        "ymax": [o["ymax"] / height for o in objects],
        "classes_text": [class_name for _ in objects],
        "classes": [labels[class_name] for _ in objects],
        "difficult": [o["difficult"] for o in objects],
        "truncated": [o["truncated"] for o in objects],
        "pose": [o["pose"] for o in objects],
        "encoded": base64.b64encode(encoded).decode("ascii"),
    }


def write_records(path: Path, names: list[str], images: Path, annotations: Path,
                  labels: dict[str, int]) -> tuple[list[dict[str, Any]], list[str]]:
    """Write one JSON line per example; returns the records and the skipped names."""
    records, skipped = [], []
    with open(path, "w") as out:
        for name in names:
            record = example_record(name, images, annotations, labels)
            if record is None:
                skipped.append(name)
                continue
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            records.append(record)
    return records, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", required=True, help="the folder of <name>.jpg")
    parser.add_argument("--annotations", required=True, help="the folder of trainval.txt, xmls/ and trimaps/")
    parser.add_argument("--label-map", required=True, help="the .pbtxt label map, or a folder holding it")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train-fraction", type=float, default=0.7)
    parser.add_argument("--parameters", help="a folder with parameters.json (seed, train_fraction)")
    args = parser.parse_args()
    seed, fraction = args.seed, args.train_fraction
    if args.parameters:
        params = json.loads((Path(args.parameters) / "parameters.json").read_text())
        seed, fraction = int(params.get("seed", seed)), float(params.get("train_fraction", fraction))
    if not 0 < fraction < 1:
        raise SystemExit(f"train_fraction must be between 0 and 1, not {fraction}")
    images, annotations, out = Path(args.images), Path(args.annotations), Path(args.out)
    labels = read_label_map(Path(args.label_map))
    examples = read_examples(annotations / "trainval.txt")
    train, val = split_examples(examples, seed, fraction)
    print(f"{len(examples)} examples in trainval.txt, seed {seed}: {len(train)} for training, {len(val)} for validation",
          flush=True)
    out.mkdir(parents=True, exist_ok=True)
    try:
        train_records, train_skipped = write_records(out / TRAIN_FILE, train, images, annotations, labels)
        val_records, val_skipped = write_records(out / VAL_FILE, val, images, annotations, labels)
    except ValueError as error:
        raise SystemExit(f"ERROR: {error}") from error
    metrics = {"train_examples": len(train_records), "val_examples": len(val_records),
               "skipped": len(train_skipped) + len(val_skipped)}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    report = {
        "seed": seed, "train_fraction": fraction, "listed": len(examples),
        "skipped": [{"example": name, "split": split, "reason": "no annotation XML"}
                    for split, names in (("train", train_skipped), ("val", val_skipped)) for name in names],
        "classes": {split: dict(sorted(Counter(r["classes_text"][0] for r in records if r["classes_text"]).items()))
                    for split, records in (("train", train_records), ("val", val_records))},
        "label_map": labels,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {len(train_records)} records to {TRAIN_FILE} and {len(val_records)} to {VAL_FILE}; "
          f"skipped {metrics['skipped']}")


if __name__ == "__main__":
    main()
