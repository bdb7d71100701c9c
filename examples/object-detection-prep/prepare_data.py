"""Write small stand-ins for the four files seed 003 downloads with wget (the Oxford-IIIT Pet images
and annotations, a pretrained Faster R-CNN checkpoint, its training config), generated, so that no
download is needed:

    python prepare_data.py DIR

writes one folder per Data to push (always the same bytes):

    DIR/images/images.tar.gz                       images/<Breed>_<n>.jpg: 30 photos of 3 breeds
    DIR/annotations/annotations.tar.gz             annotations/trainval.txt, test.txt, xmls/*.xml, trimaps/*.png
    DIR/model/faster_rcnn_resnet101_coco_2018_01_28.tar.gz   model.ckpt.* stubs (not a real checkpoint)
    DIR/config/faster_rcnn_resnet101_pets.config   a shortened training config (training is the next chapter)
    DIR/label-map/pet_label_map.pbtxt              the label map: 3 of the 37 breeds

The "photos" are real baseline JPEGs, written by hand below (no PIL here): colour blocks of 8 x 8
pixels, a pet's body and a lighter head on a grassy background. Each has a PASCAL VOC XML with the
head's box (as the Oxford annotations have) and a trimap PNG (1 pet, 2 background, 3 border). 24
are listed in trainval.txt and 6 in test.txt; one trainval example has no XML, as happens in the
real dataset, to show that the record step warns and skips it.
"""

from __future__ import annotations

import gzip
import io
import random
import struct
import sys
import tarfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree

# The label map's classes (ids of this 3-class cut; the full map has 37 breeds), and their species.
CLASSES = (("Abyssinian", "cat"), ("basset_hound", "dog"), ("beagle", "dog"))
PER_CLASS = 10  # 8 in trainval.txt, 2 in test.txt
MISSING_XML_BREED = "beagle"  # the third beagle of trainval.txt has no XML (see fixtures())
MODEL = "faster_rcnn_resnet101_coco_2018_01_28"
MTIME = 1517097600  # 2018-01-28, the model's date: every tarball member gets it, so the bytes never change
BLOCK = 8

# ------------------------------------------------------------------------------------------------
# A baseline JPEG encoder for images made of uniform 8 x 8 blocks. Such a block has only a DC
# coefficient (the block's mean) and no AC coefficient, so each block is coded as its DC difference
# and an end-of-block code: a few bits. Decoders show the colours exactly (quantiser 8 on DC).

DC_COUNTS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)  # codes of length 1..16 (JPEG Annex K, DC luminance)
DC_SYMBOLS = tuple(range(12))
AC_COUNTS = (1, *(0,) * 15)  # one code, "0": end of block
AC_SYMBOLS = (0x00,)


def huffman_codes(counts: tuple[int, ...], symbols: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes: symbol -> (code, length)."""
    codes, code, index = {}, 0, 0
    for length, count in enumerate(counts, start=1):
        for _ in range(count):
            codes[symbols[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


class BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.buffer = 0
        self.bits = 0

    def write(self, value: int, length: int) -> None:
        self.buffer = (self.buffer << length) | (value & ((1 << length) - 1))
        self.bits += length
        while self.bits >= 8:
            self.bits -= 8
            byte = (self.buffer >> self.bits) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0x00)  # byte stuffing: 0xFF in the data is followed by 0
        self.buffer &= (1 << self.bits) - 1

    def finish(self) -> bytes:
        if self.bits:
            self.write((1 << (8 - self.bits)) - 1, 8 - self.bits)  # pad with 1 bits
        return bytes(self.out)


def segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def ycbcr(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return min(255, max(0, round(y))), min(255, max(0, round(cb))), min(255, max(0, round(cr)))


def jpeg(blocks: list[list[tuple[int, int, int]]]) -> bytes:
    """A baseline JPEG (YCbCr, no subsampling) of rows of 8 x 8 blocks, each one RGB colour."""
    height, width = len(blocks) * BLOCK, len(blocks[0]) * BLOCK
    dc, ac = huffman_codes(DC_COUNTS, DC_SYMBOLS), huffman_codes(AC_COUNTS, AC_SYMBOLS)
    bits, previous = BitWriter(), [0, 0, 0]
    for row in blocks:
        for colour in row:
            for component, value in enumerate(ycbcr(colour)):
                # DC coefficient = 8 * (value - 128); quantised by 8 it is value - 128.
                diff = (value - 128) - previous[component]
                previous[component] = value - 128
                size = abs(diff).bit_length()
                bits.write(*dc[size])
                if size:
                    bits.write(diff if diff > 0 else diff + (1 << size) - 1, size)
                bits.write(*ac[0x00])
    tables = b"".join(bytes([kind]) + bytes(counts) + bytes(symbols)
                      for kind, counts, symbols in ((0x00, DC_COUNTS, DC_SYMBOLS), (0x10, AC_COUNTS, AC_SYMBOLS)))
    return b"".join([
        b"\xff\xd8",  # SOI
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xDB, b"\x00" + bytes([8] * 64)),  # one quantisation table, 8 everywhere
        segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3))),
        segment(0xC4, tables),
        segment(0xDA, bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0])),
        bits.finish(),
        b"\xff\xd9",  # EOI
    ])


# ------------------------------------------------------------------------------------------------
# An 8-bit greyscale PNG, for the trimaps.

def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(rows: list[bytes]) -> bytes:
    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 0, 0, 0, 0)  # 8 bits, greyscale
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(raw, 9))
            + png_chunk(b"IEND", b""))


# ------------------------------------------------------------------------------------------------
# The pets.

def jitter(rng: random.Random, colour: tuple[int, int, int], amount: int) -> tuple[int, int, int]:
    r, g, b = (min(255, max(0, c + rng.randint(-amount, amount))) for c in colour)
    return r, g, b


PET_COLOURS = {"Abyssinian": (176, 112, 64), "basset_hound": (196, 150, 98), "beagle": (140, 92, 46)}


def pet(rng: random.Random, breed: str, species: str, name: str, difficult: bool) -> dict[str, bytes]:
    """One example: its JPEG, VOC XML and trimap, keyed by the path inside the tarballs."""
    columns, rows = rng.randint(10, 20), rng.randint(8, 15)
    body_w, body_h = rng.randint(4, columns - 3), rng.randint(4, rows - 2)
    body_x, body_y = rng.randint(0, columns - body_w), rng.randint(0, rows - body_h)
    head_w, head_h = max(2, body_w // 2), max(2, body_h // 2)
    pose = rng.choice(("Left", "Right", "Frontal", "Unspecified"))
    head_x = body_x if pose == "Left" else body_x + body_w - head_w if pose == "Right" else body_x + (body_w - head_w) // 2
    head_y = body_y
    colour = jitter(rng, PET_COLOURS[breed], 12)
    head_colour = (min(255, colour[0] + 40), min(255, colour[1] + 40), min(255, colour[2] + 40))
    blocks: list[list[tuple[int, int, int]]] = []
    for y in range(rows):
        row = []
        for x in range(columns):
            if head_x <= x < head_x + head_w and head_y <= y < head_y + head_h:
                row.append(head_colour)
            elif body_x <= x < body_x + body_w and body_y <= y < body_y + body_h:
                row.append(jitter(rng, colour, 6))
            else:
                row.append(jitter(rng, (92, 140, 70), 18))  # grass
        blocks.append(row)
    width, height = columns * BLOCK, rows * BLOCK

    # Trimap: 1 on the pet, 3 on a 2-pixel border around it, 2 elsewhere.
    x0, y0, x1, y1 = body_x * BLOCK, body_y * BLOCK, (body_x + body_w) * BLOCK, (body_y + body_h) * BLOCK
    trimap = []
    for y in range(height):
        line = bytearray()
        for x in range(width):
            if x0 <= x < x1 and y0 <= y < y1:
                line.append(1)
            elif x0 - 2 <= x < x1 + 2 and y0 - 2 <= y < y1 + 2:
                line.append(3)
            else:
                line.append(2)
        trimap.append(bytes(line))

    # PASCAL VOC, as the Oxford pets' XMLs: the box is the head, 1-based inclusive pixel corners;
    # the object is named by species (the breed comes from the file name).
    truncated = body_x == 0 or body_y == 0 or body_x + body_w == columns or body_y + body_h == rows
    root = ElementTree.Element("annotation")
    ElementTree.SubElement(root, "folder").text = "OXIIIT"
    ElementTree.SubElement(root, "filename").text = f"{name}.jpg"
    source = ElementTree.SubElement(root, "source")
    ElementTree.SubElement(source, "database").text = "knitgraph example (generated stand-in for OXFORD-IIIT Pet)"
    size = ElementTree.SubElement(root, "size")
    for key, value in (("width", width), ("height", height), ("depth", 3)):
        ElementTree.SubElement(size, key).text = str(value)
    ElementTree.SubElement(root, "segmented").text = "0"
    obj = ElementTree.SubElement(root, "object")
    ElementTree.SubElement(obj, "name").text = species
    ElementTree.SubElement(obj, "pose").text = pose
    ElementTree.SubElement(obj, "truncated").text = str(int(truncated))
    ElementTree.SubElement(obj, "occluded").text = "0"
    box = ElementTree.SubElement(obj, "bndbox")
    corners = (("xmin", head_x * BLOCK + 1), ("ymin", head_y * BLOCK + 1),
               ("xmax", (head_x + head_w) * BLOCK), ("ymax", (head_y + head_h) * BLOCK))
    for key, value in corners:
        ElementTree.SubElement(box, key).text = str(value)
    ElementTree.SubElement(obj, "difficult").text = str(int(difficult))
    ElementTree.indent(root)
    return {
        f"images/{name}.jpg": jpeg(blocks),
        f"annotations/xmls/{name}.xml": ElementTree.tostring(root, encoding="utf-8") + b"\n",
        f"annotations/trimaps/{name}.png": png(trimap),
    }


def fixtures() -> dict[str, bytes]:
    """Every file of the images and annotations tarballs, by path inside them."""
    rng = random.Random(3)
    files: dict[str, bytes] = {}
    trainval: list[str] = []
    test: list[str] = []
    for class_id, (breed, species) in enumerate(CLASSES, start=1):
        numbers = sorted(rng.sample(range(1, 201), PER_CLASS))
        listed = rng.sample(numbers, PER_CLASS - 2)
        species_id = 1 if species == "cat" else 2
        breed_id = sum(1 for b, s in CLASSES[:class_id] if s == species)
        for number in numbers:
            name = f"{breed}_{number}"
            # Oxford's list format: image, class id, species (1 cat, 2 dog), breed id within the species.
            (trainval if number in listed else test).append(f"{name} {class_id} {species_id} {breed_id}")
            files.update(pet(rng, breed, species, name, difficult=rng.random() < 0.1))
    missing = [line.split()[0] for line in trainval if line.startswith(f"{MISSING_XML_BREED}_")][2]
    del files[f"annotations/xmls/{missing}.xml"]
    files["annotations/trainval.txt"] = "".join(f"{line}\n" for line in trainval).encode()
    files["annotations/test.txt"] = "".join(f"{line}\n" for line in test).encode()
    return files


def label_map() -> str:
    return "".join(f"item {{\n  id: {i}\n  name: '{breed}'\n}}\n\n" for i, (breed, _) in enumerate(CLASSES, start=1))


def model_files() -> dict[str, bytes]:
    """Stand-ins for the pretrained checkpoint: the names TensorFlow uses, contents marked as stubs."""
    rng = random.Random(2018)
    stub = b"knitgraph example: a stand-in, not a TensorFlow checkpoint\n"
    return {
        f"{MODEL}/checkpoint": b'model_checkpoint_path: "model.ckpt"\nall_model_checkpoint_paths: "model.ckpt"\n',
        f"{MODEL}/model.ckpt.index": stub + rng.randbytes(200),
        f"{MODEL}/model.ckpt.meta": stub + rng.randbytes(600),
        f"{MODEL}/model.ckpt.data-00000-of-00001": stub + rng.randbytes(4000),
    }


CONFIG = """\
# A shortened stand-in for faster_rcnn_resnet101_pets.config (the TensorFlow Object Detection API's
# training config that seed 003 downloads). Nothing reads it in this example: training is the
# next chapter. Its paths are where a training Plan would mount the Data this example makes.
model {
  faster_rcnn {
    num_classes: 3
    image_resizer {
      keep_aspect_ratio_resizer { min_dimension: 600 max_dimension: 1024 }
    }
    feature_extractor { type: "faster_rcnn_resnet101" first_stage_features_stride: 16 }
  }
}
train_config {
  batch_size: 1
  fine_tune_checkpoint: "/in/model/faster_rcnn_resnet101_coco_2018_01_28/model.ckpt"
  from_detection_checkpoint: true
  num_steps: 200000
}
train_input_reader {
  tf_record_input_reader { input_path: "/in/records/pet_train.record.jsonl" }
  label_map_path: "/in/label_map/pet_label_map.pbtxt"
}
eval_input_reader {
  tf_record_input_reader { input_path: "/in/records/pet_val.record.jsonl" }
  label_map_path: "/in/label_map/pet_label_map.pbtxt"
  shuffle: false
}
"""


def tarball(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A .tar.gz of these files (and their folders), the same bytes every time."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as zipped, \
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        folders: set[str] = set()
        for path, data in sorted(files):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in folders:
                    folders.add(folder)
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
                    tar.addfile(info)
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, MTIME
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "in")
    files = fixtures()
    written = {
        "images/images.tar.gz": tarball((p, d) for p, d in files.items() if p.startswith("images/")),
        "annotations/annotations.tar.gz": tarball((p, d) for p, d in files.items() if p.startswith("annotations/")),
        f"model/{MODEL}.tar.gz": tarball(model_files().items()),
        "config/faster_rcnn_resnet101_pets.config": CONFIG.encode(),
        "label-map/pet_label_map.pbtxt": label_map().encode(),
    }
    for path, data in written.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
        print(f"{len(data):>8,} bytes  {out / path}")
    images = sum(1 for p in files if p.endswith(".jpg"))
    listed = files["annotations/trainval.txt"].decode().count("\n")
    xmls = sum(1 for p in files if p.endswith(".xml"))
    print(f"{images} images of {len(CLASSES)} breeds, {listed} in trainval.txt, {xmls} XMLs (one trainval example has none)")


if __name__ == "__main__":
    main()
