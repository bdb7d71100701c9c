"""Write the handwritten digits as the tutorial's data folders: DEST/digits-train and DEST/digits-test.

The tutorial downloads QMNIST; nothing can be downloaded here, so this takes the real handwritten
digits that scikit-learn ships (`sklearn.datasets.load_digits`: 1,797 digits by 43 writers, the
test set of UCI's "Optical Recognition of Handwritten Digits") and writes them in QMNIST's files:

- `images.gz`: gzip'd IDX, unsigned bytes, shape (N, 28, 28), like `qmnist-*-images-idx3-ubyte.gz`.
  Each 8x8 digit (levels 0..16) is scaled bilinearly to 20x20 and centred in 28x28 with levels
  0..255, the way MNIST boxes its digits.
- `labels.gz`: gzip'd IDX, big-endian int32, shape (N, 8), like `qmnist-*-labels-idx2-int.gz`.
  Column 0 is the digit (as in QMNIST); column 5 is the digit's index in scikit-learn's dataset
  (QMNIST keeps a global index there too); the other columns are 0.

The split is seeded: 1,500 digits for training, 297 for the test.

    python prepare_data.py [DEST]        # DEST defaults to ./data
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

TRAIN_SIZE = 1500
SEED = 0


def scale(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resampling of a square image to size x size (pixel centres aligned)."""
    n = image.shape[0]
    coords = (np.arange(size) + 0.5) * n / size - 0.5
    coords = np.clip(coords, 0, n - 1)
    low = np.floor(coords).astype(int)
    high = np.minimum(low + 1, n - 1)
    frac = coords - low
    rows = image[low] * (1 - frac)[:, None] + image[high] * frac[:, None]
    return rows[:, low] * (1 - frac)[None, :] + rows[:, high] * frac[None, :]


def mnist_like(digit: np.ndarray) -> np.ndarray:
    canvas = np.zeros((28, 28))
    canvas[4:24, 4:24] = scale(digit / 16.0, 20)
    return np.clip(np.rint(canvas * 255), 0, 255).astype(np.uint8)


def write_idx(path: Path, array: np.ndarray) -> None:
    type_code = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}[array.dtype]
    header = struct.pack(">HBB", 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as out:  # mtime=0: the same bytes on every run
        out.write(header + array.tobytes())


def main(dest: Path) -> None:
    digits = load_digits()
    order = np.random.default_rng(SEED).permutation(len(digits.target))
    for name, indices in (("digits-train", order[:TRAIN_SIZE]), ("digits-test", order[TRAIN_SIZE:])):
        folder = dest / name
        folder.mkdir(parents=True, exist_ok=True)
        images = np.stack([mnist_like(digits.images[i]) for i in indices])
        labels = np.zeros((len(indices), 8), dtype=">i4")
        labels[:, 0] = digits.target[indices]
        labels[:, 5] = indices
        write_idx(folder / "images.gz", images)
        write_idx(folder / "labels.gz", labels)
        print(f"{folder}: {len(indices)} digits, images {images.shape}, labels {labels.shape}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data"))
