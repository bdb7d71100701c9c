"""Hand-written YAML read safely: an alias bomb, a recursive alias, a huge or deeply nested file are
refused at once with a reason and advice, and reading them takes little memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from knitgraph.cli.errors import KnitCliError
from knitgraph.cli.main import cli
from knitgraph.cli.plan_file import read_plan_file
from knitgraph.cli.profiles import KnitEnv

PLAN = "image: train:v1\ninputs:\n  - path: /in/data\n    tags: [type:dataset]\n"
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(9)
)


def _refused(path: Path, words: str) -> KnitCliError:
    with pytest.raises(KnitCliError) as caught:
        read_plan_file(path)
    assert words in caught.value.reason and caught.value.advice
    return caught.value


def test_billion_laughs_plan_is_refused_in_little_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(PLAN + BILLION_LAUGHS)
    tracemalloc.start()
    try:
        _refused(bomb, "aliases")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"refusing the bomb took {peak} bytes"


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.write_text(PLAN + "annotations: &a [*a]\n")
    _refused(loop, "alias inside the value it names")


def test_plan_file_over_one_mib_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(PLAN + "annotations:\n" + "  - k=v\n" * 200_000)
    _refused(big, "larger than 1048576 bytes")


@pytest.mark.parametrize(
    "nesting",
    ["annotations: " + "[" * 50_000 + "]" * 50_000 + "\n",
     "deep:\n" + "".join(" " * i + "k:\n" for i in range(1, 1200))],
    ids=["flow", "block"],
)
def test_deeply_nested_yaml_is_refused(tmp_path: Path, nesting: str) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(PLAN + nesting)
    _refused(deep, "nests too deep")


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    plain = tmp_path / "plan.yaml"
    plain.write_text("image: train:v1\ninputs:\n  - path: /in/a\n    tags: &t [type:dataset]\n"
                     "  - path: /in/b\n    tags: *t\n")
    plan, warnings = read_plan_file(plain)
    assert [m.tags for m in plan.inputs] == [["type:dataset"], ["type:dataset"]] and warnings == []


def test_knitenv_alias_bomb_is_refused(tmp_path: Path) -> None:
    knitenv = tmp_path / "knitenv"
    knitenv.write_text("tag: [a:b]\n" + BILLION_LAUGHS)
    with pytest.raises(KnitCliError, match="aliases"):
        KnitEnv.load(str(knitenv))


def test_knit_plan_apply_of_a_bomb_exits_1_with_advice(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(PLAN + BILLION_LAUGHS)
    result = CliRunner().invoke(cli, ["plan", "apply", str(bomb)])
    assert result.exit_code == 1, result.output
    assert "aliases" in result.stderr and "advice:" in result.stderr
