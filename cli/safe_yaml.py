"""Reading the YAML files people write (plan files, knitenv, knitprofile) without trusting them:
safe tags only, at most :data:`MAX_BYTES`, and aliases expanding to at most :data:`MAX_NODES` nodes,
so an alias bomb ("billion laughs") is refused at once instead of filling the memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import KnitCliError

MAX_BYTES = 2**20
# A large plan file has a few thousand nodes; the limit counts every alias as the nodes it repeats.
MAX_NODES = 100_000
# PyYAML's scanner takes quadratic time on deeply nested flow collections ([[[…]]]), so they are
# refused before parsing; counted naively, brackets inside strings included.
MAX_FLOW_DEPTH = 200


def _flow_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _alias_bomb(source: str) -> KnitCliError:
    return KnitCliError(
        f"{source} expands to more than {MAX_NODES} YAML nodes through its aliases (*name)",
        "write the values out, or use fewer aliases; knit refuses alias bombs",
    )


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Count the nodes ``root`` stands for once every alias is expanded, each node measured once."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, finished = pending.pop()
        if finished:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            entered.discard(id(node))
            if sizes[id(node)] > MAX_NODES:
                raise _alias_bomb(source)
        elif id(node) in entered:
            raise KnitCliError(f"{source} has an alias inside the value it names", "remove the recursive alias")
        elif id(node) not in sizes:
            entered.add(id(node))
            pending.append((node, True))
            pending.extend((child, False) for child in _children(node))


def load(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """The document in ``text`` and its node tree (for line numbers); ``source`` names it in errors."""
    if len(text.encode(errors="surrogateescape")) > MAX_BYTES:
        raise too_large(source)
    if _flow_depth(text) > MAX_FLOW_DEPTH:
        raise KnitCliError(f"{source} nests too deep (more than {MAX_FLOW_DEPTH} brackets)", "write flatter YAML")
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader checks every character first
        raise KnitCliError(f"{source} is not valid YAML: {exc}", "fix the YAML syntax") from exc
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_expansion(node, source)
        return loader.construct_document(node), node
    except yaml.YAMLError as exc:
        raise KnitCliError(f"{source} is not valid YAML: {exc}", "fix the YAML syntax") from exc
    except RecursionError as exc:
        raise KnitCliError(f"{source} nests too deep", "write flatter YAML") from exc
    finally:
        loader.dispose()


def too_large(source: str) -> KnitCliError:
    return KnitCliError(f"{source} is larger than {MAX_BYTES} bytes", "knit reads YAML files of at most 1 MiB")


def read_file(path: Path) -> tuple[Any, yaml.Node | None]:
    """:func:`load` of the file at ``path``, refused by its size before it is read."""
    if path.stat().st_size > MAX_BYTES:
        raise too_large(str(path))
    try:
        text = path.read_bytes().decode()
    except UnicodeDecodeError as exc:
        raise KnitCliError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})", "save it as UTF-8") from exc
    return load(text, str(path))
