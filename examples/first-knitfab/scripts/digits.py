"""What train.py and validation.py share: the IDX reader and the model, in numpy.

The model is the tutorial's "2 layer CNN + 2 layer Affine", made smaller for CPUs without
PyTorch: two 3x3 convolutions (padding 1, ReLU, 2x2 max pooling; 1 -> 8 -> 16 channels, 28x28 ->
14x14 -> 7x7) and two affine layers (16*7*7 -> 128, ReLU, -> 10). Its weights are saved as a plain `.npz` of arrays, which any numpy (the project's
environment or the Debian image's) reads.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip'd or not), as MNIST and QMNIST distribute them."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:2] != b"\0\0" or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file")
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, dtype=_IDX_TYPES[raw[2]], offset=4 + 4 * dims).reshape(shape)


def load_dataset(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """images (N, 28, 28) uint8 and labels (N,): QMNIST's labels file has 8 columns, the digit first."""
    images = read_idx(Path(folder) / "images.gz")
    labels = read_idx(Path(folder) / "labels.gz")
    if labels.ndim == 2:
        labels = labels[:, 0]
    return images, labels.astype(np.int64)


def as_input(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) as the model's input: floats in 0..1, channels last (N, 28, 28, 1)."""
    return (images.astype(np.float64) / 255.0)[..., None]


class Conv3x3:
    """3x3 convolution, stride 1, padding 1, channels last, through im2col."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
        self.weight, self.bias = weight, bias  # weight: (3, 3, in, out)

    def forward(self, x: np.ndarray) -> np.ndarray:
        batch, height, width, channels = x.shape
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        windows = sliding_window_view(padded, (3, 3), axis=(1, 2))  # (B, H, W, C, 3, 3)
        self.cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(batch * height * width, 9 * channels)
        self.shape = x.shape
        out = self.cols @ self.weight.reshape(9 * channels, -1) + self.bias
        return out.reshape(batch, height, width, -1)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        batch, height, width, channels = self.shape
        flat = grad.reshape(batch * height * width, -1)
        grads = {"weight": (self.cols.T @ flat).reshape(self.weight.shape), "bias": flat.sum(axis=0)}
        if not need_input_grad:
            return None, grads
        cols = (flat @ self.weight.reshape(9 * channels, -1).T).reshape(batch, height, width, 3, 3, channels)
        padded = np.zeros((batch, height + 2, width + 2, channels), dtype=grad.dtype)
        for i in range(3):
            for j in range(3):
                padded[:, i:i + height, j:j + width, :] += cols[:, :, :, i, j, :]
        return padded[:, 1:-1, 1:-1, :], grads


class MaxPool2x2:
    def forward(self, x: np.ndarray) -> np.ndarray:
        batch, height, width, channels = x.shape
        blocks = x.reshape(batch, height // 2, 2, width // 2, 2, channels)
        out = blocks.max(axis=(2, 4))
        self.mask = blocks == out[:, :, None, :, None, :]
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        spread = self.mask * grad[:, :, None, :, None, :]
        batch, half_h, _, half_w, _, channels = spread.shape
        return spread.reshape(batch, half_h * 2, half_w * 2, channels)


class DigitsModel:
    """conv(1->8) ReLU maxpool conv(8->16) ReLU maxpool flatten affine(784->128) ReLU affine(128->10)."""

    names = ("conv1_weight", "conv1_bias", "conv2_weight", "conv2_bias", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias")

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        self.params = {name: params[name].astype(np.float64) for name in self.names}

    @classmethod
    def initial(cls, rng: np.random.Generator) -> "DigitsModel":
        def he(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
            return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float64)

        return cls({
            "conv1_weight": he((3, 3, 1, 8), 9), "conv1_bias": np.zeros(8),
            "conv2_weight": he((3, 3, 8, 16), 72), "conv2_bias": np.zeros(16),
            "fc1_weight": he((7 * 7 * 16, 128), 7 * 7 * 16), "fc1_bias": np.zeros(128),
            "fc2_weight": he((128, 10), 128), "fc2_bias": np.zeros(10),
        })

    @classmethod
    def load(cls, path: Path) -> "DigitsModel":
        with np.load(path) as saved:
            return cls({name: saved[name] for name in cls.names})

    def save(self, path: Path) -> None:
        np.savez(path, **self.params)

    def forward(self, x: np.ndarray) -> np.ndarray:
        p = self.params
        self.conv1, self.pool1 = Conv3x3(p["conv1_weight"], p["conv1_bias"]), MaxPool2x2()
        self.conv2, self.pool2 = Conv3x3(p["conv2_weight"], p["conv2_bias"]), MaxPool2x2()
        self.a1 = np.maximum(self.conv1.forward(x), 0)
        self.p1 = self.pool1.forward(self.a1)
        self.a2 = np.maximum(self.conv2.forward(self.p1), 0)
        self.p2 = self.pool2.forward(self.a2)
        self.flat = self.p2.reshape(len(x), -1)
        self.h = np.maximum(self.flat @ p["fc1_weight"] + p["fc1_bias"], 0)
        return self.h @ p["fc2_weight"] + p["fc2_bias"]

    def backward(self, grad_logits: np.ndarray) -> dict[str, np.ndarray]:
        p, grads = self.params, {}
        grads["fc2_weight"], grads["fc2_bias"] = self.h.T @ grad_logits, grad_logits.sum(axis=0)
        grad_h = (grad_logits @ p["fc2_weight"].T) * (self.h > 0)
        grads["fc1_weight"], grads["fc1_bias"] = self.flat.T @ grad_h, grad_h.sum(axis=0)
        grad_a2 = self.pool2.backward((grad_h @ p["fc1_weight"].T).reshape(self.p2.shape)) * (self.a2 > 0)
        grad_p1, conv2 = self.conv2.backward(grad_a2)
        assert grad_p1 is not None
        _, conv1 = self.conv1.backward(self.pool1.backward(grad_p1) * (self.a1 > 0), need_input_grad=False)
        grads["conv2_weight"], grads["conv2_bias"] = conv2["weight"], conv2["bias"]
        grads["conv1_weight"], grads["conv1_bias"] = conv1["weight"], conv1["bias"]
        return grads

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        return np.concatenate([self.forward(x[i:i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)])


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean loss over the batch and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(labels)), labels].mean()
    grad = np.exp(log_probs)
    grad[np.arange(len(labels)), labels] -= 1
    return float(loss), grad / len(labels)
