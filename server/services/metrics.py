"""Metrics a Run writes: ``metrics.json`` at the top of an output, read when the Run finishes.

Two shapes are read: a flat object of numbers (``{"accuracy": 0.97, "loss": 0.1}``) and Kubeflow
Pipelines' metrics file (``{"metrics": [{"name": "accuracy", "numberValue": 0.97}, ...]}``). A file
that is neither, too big, or a symlink records nothing; the Run finishes all the same.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from knitgraph.server.content_store import ContentStore

logger = logging.getLogger("knitgraph.server.metrics")
METRICS_FILE = "metrics.json"
MAX_FILE_BYTES = 1 << 20
MAX_METRICS = 200
MAX_NAME_CHARS = 200


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _good_name(name: Any) -> bool:
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_CHARS and name.isprintable()


def parse_metrics(raw: bytes) -> dict[str, float]:
    """The metrics in a ``metrics.json``; entries that are not a named finite number are left out."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(document, dict):
        return {}
    pairs: list[tuple[Any, Any]]
    if isinstance(document.get("metrics"), list):
        pairs = [(m.get("name"), m.get("numberValue")) for m in document["metrics"] if isinstance(m, dict)]
    else:
        pairs = list(document.items())
    found: dict[str, float] = {}
    for name, value in pairs:
        number = _number(value)
        if _good_name(name) and number is not None and len(found) < MAX_METRICS:
            found[name] = number
    return found


def read_metrics(store: ContentStore, knit_id: str) -> dict[str, float]:
    """The metrics of one finished output (empty without a readable ``metrics.json``)."""
    raw = store.read_small_file(knit_id, METRICS_FILE, MAX_FILE_BYTES)
    if raw is None:
        return {}
    metrics = parse_metrics(raw)
    if not metrics:
        logger.info("knit#id:%s has a %s without metrics knitgraph reads", knit_id, METRICS_FILE)
    return metrics
