"""Every input that requires tags gets its ``(:Input)-[:ANCHOR]->(:Tag)`` (see
:mod:`knitgraph.graph_schema.nominations`), chosen as at registration; inputs anchored already are
left alone, so running it twice changes nothing."""

from __future__ import annotations

from typing import Final, LiteralString

from ..nominations import ANCHOR_EVERY_INPUT

ID: Final = "m0006_input_anchors"

STATEMENTS: Final[tuple[LiteralString, ...]] = (ANCHOR_EVERY_INPUT,)
