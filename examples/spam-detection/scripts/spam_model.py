"""What the three steps share: the datasets' format and the model, a naive Bayes spam filter in numpy.

A dataset is a folder holding `dataset.csv` with the columns `label` (`spam` or `ham`) and
`message`. A message's features are its lower-cased words and pairs of adjacent words, hashed
(CRC-32) into 2**18 buckets, so the feature space never changes as new words arrive. The model is
multinomial naive Bayes: per class, how many messages it saw and how often each bucket occurred.
Training only adds counts, so a model can always be trained further on new data (incremental
training), and training on A then on B gives the same model as training on A and B together.

The model is saved as `model.npz` (the counts, as plain arrays any numpy reads) and `model.json`
(what it was trained on, for people).
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BUCKETS = 2**18
ALPHA = 0.1  # additive smoothing
CLASSES = ("ham", "spam")
_WORD = re.compile(r"[a-z0-9£$€]+(?:'[a-z]+)?")


def read_dataset(folder: Path) -> list[tuple[str, str]]:
    """(label, message) pairs of a dataset folder."""
    with open(Path(folder) / "dataset.csv", newline="", encoding="utf-8") as source:
        rows = [(row["label"], row["message"]) for row in csv.DictReader(source)]
    unknown = {label for label, _ in rows} - set(CLASSES)
    if unknown:
        raise ValueError(f"{folder}/dataset.csv has labels other than ham and spam: {sorted(unknown)}")
    return rows


def features(message: str) -> list[int]:
    words = _WORD.findall(message.lower())
    terms = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    return [zlib.crc32(term.encode("utf-8")) % BUCKETS for term in terms]


@dataclass
class SpamModel:
    counts: np.ndarray = field(default_factory=lambda: np.zeros((len(CLASSES), BUCKETS), dtype=np.int64))
    messages: np.ndarray = field(default_factory=lambda: np.zeros(len(CLASSES), dtype=np.int64))
    history: list[dict[str, object]] = field(default_factory=list)

    def train(self, rows: list[tuple[str, str]], step: str) -> None:
        for label, message in rows:
            index = CLASSES.index(label)
            np.add.at(self.counts[index], features(message), 1)
            self.messages[index] += 1
        self.history.append({"step": step, "messages": len(rows),
                             "spam": sum(1 for label, _ in rows if label == "spam")})

    def predict(self, messages: list[str]) -> list[str]:
        smoothed = self.counts + ALPHA
        log_likelihood = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        log_prior = np.log(self.messages + 1) - np.log(self.messages.sum() + len(CLASSES))
        return [CLASSES[int(np.argmax(log_prior + log_likelihood[:, features(m)].sum(axis=1)))] for m in messages]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "model.npz", counts=self.counts, messages=self.messages)
        card = {"model": "multinomial naive Bayes over hashed words and word pairs", "buckets": BUCKETS,
                "alpha": ALPHA, "messages_seen": {c: int(n) for c, n in zip(CLASSES, self.messages)},
                "trainings": self.history}
        (folder / "model.json").write_text(json.dumps(card, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "SpamModel":
        with np.load(Path(folder) / "model.npz") as saved:
            counts, messages = saved["counts"], saved["messages"]
        history = json.loads((Path(folder) / "model.json").read_text())["trainings"]
        return cls(counts=counts.astype(np.int64), messages=messages.astype(np.int64), history=history)


def metrics(truth: list[str], predicted: list[str]) -> dict[str, object]:
    """Accuracy, and precision, recall and F1 of the class `spam`."""
    pairs = list(zip(truth, predicted))
    tp = sum(1 for t, p in pairs if t == p == "spam")
    tn = sum(1 for t, p in pairs if t == p == "ham")
    fp = sum(1 for t, p in pairs if t == "ham" and p == "spam")
    fn = sum(1 for t, p in pairs if t == "spam" and p == "ham")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": round((tp + tn) / len(pairs), 4), "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4), "messages": len(pairs),
            "confusion": {"true_spam": tp, "true_ham": tn, "false_spam": fp, "false_ham": fn}}
