"""Which server and token `knit` uses: Knitfab's knitprofiles (apiRoot ending in /api, or in
/api/t/<token> for knitgraph with authentication on), knitgraph's own, KNIT_SERVER and KNIT_TOKEN."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knitgraph.cli.errors import KnitCliError
from knitgraph.cli.profiles import resolve_server, split_api_root


@pytest.mark.parametrize(("api_root", "expected"), [
    ("http://knit.example:30803/api", ("http://knit.example:30803", None)),
    ("http://knit.example:30803/api/", ("http://knit.example:30803", None)),
    ("https://127.0.0.1:8080", ("https://127.0.0.1:8080", None)),
    ("http://127.0.0.1:8080/api/t/kg_abc_def", ("http://127.0.0.1:8080", "kg_abc_def")),
    ("http://127.0.0.1:8080/api/t/kg_abc_def/", ("http://127.0.0.1:8080", "kg_abc_def")),
])
def test_an_api_root_names_the_server_and_may_carry_a_token(api_root: str, expected: tuple[str, str | None]) -> None:
    assert split_api_root(api_root) == expected


def test_a_relative_api_root_is_refused_with_advice() -> None:
    with pytest.raises(KnitCliError, match="is not an absolute URL"):
        split_api_root("knit.example/api")


def _store(tmp_path: Path, entry: dict[str, object]) -> str:
    store = tmp_path / "store"
    store.write_text(yaml.safe_dump({"lab": entry}))
    return str(store)


def test_a_knitfab_profile_with_the_token_in_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KNIT_TOKEN", raising=False)
    store = _store(tmp_path, {"apiRoot": "http://127.0.0.1:8080/api/t/kg_one_two"})
    server = resolve_server("lab", store)
    assert (server.api_root, server.token) == ("http://127.0.0.1:8080", "kg_one_two")
    monkeypatch.setenv("KNIT_TOKEN", "kg_env_wins")
    assert resolve_server("lab", store).token == "kg_env_wins"


def test_knit_server_may_carry_the_token_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KNIT_TOKEN", raising=False)
    monkeypatch.setenv("KNITGRAPH_HOME", str(tmp_path / "no-home"))
    monkeypatch.setenv("KNIT_SERVER", "http://10.0.0.5:8080/api/t/kg_x_y")
    server = resolve_server(None, None)
    assert (server.api_root, server.token) == ("http://10.0.0.5:8080", "kg_x_y")
