"""Every `knit` and `knitgraph` command typed on a terminal: the help of each group and command, and
the actions that draw progress, notes or follow a Run. Each ends cleanly: the expected exit status,
no traceback, no "unexpected error", and what a user is meant to see.

The actions share one server and one small world (a Data, a finished Run with a log, a Run held
back by an inactive plan), made once for the module through pipes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
import yaml

from knitgraph.cli.main import cli as knit_cli
from knitgraph.server.admin.main import main as knitgraph_cli

from ..e2e.processes import knit, knit_json
from .conftest import Served
from .harness import Terminal, run_on_terminal

pytestmark = pytest.mark.e2e


def _command_paths(group: click.Group, prefix: str) -> Iterator[str]:
    yield prefix
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _command_paths(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


HELPS = [*_command_paths(knit_cli, "knit"), *_command_paths(knitgraph_cli, "knitgraph")]


@pytest.mark.parametrize("command", HELPS, ids=HELPS)
def test_help_of_every_command_on_a_terminal(served_module: Served, command: str) -> None:
    env = served_module.admin_env if command.startswith("knitgraph") else served_module.knit_env
    status, screen = run_on_terminal(f"{command} --help", env=env, cwd=served_module.cwd)
    assert status == 0, screen
    assert "Usage:" in screen and "Traceback" not in screen and "unexpected error" not in screen, screen


@dataclass(frozen=True)
class World:
    knit_id: str
    plan_id: str
    run_id: str
    held_run_id: str
    extensions: Path


def _plan(cwd: Path, name: str, tags: list[str], **extra: object) -> Path:
    file = cwd / f"{name}.yaml"
    file.write_text(yaml.safe_dump({
        "image": f"{name}:v1", "entrypoint": ["sh", "-c", "echo hello from the run; cp -r /in/1/. /out/1/"],
        "inputs": [{"path": "/in/1", "tags": tags}], "outputs": [{"path": "/out/1", "tags": [f"made-by:{name}"]}],
        "log": {"tags": [f"log-of:{name}"]}, **extra,
    }))
    return file


@pytest.fixture(scope="module")
def world(served_module: Served) -> World:
    env, cwd = served_module.knit_env, served_module.cwd
    (cwd / "dataset").mkdir()
    (cwd / "dataset" / "rows.csv").write_text("1,2\n3,4\n")
    knit_id = knit_json("data", "push", "-t", "kind:pty", str(cwd / "dataset"), env=env, cwd=cwd)["knitId"]
    plan_id = knit_json("plan", "apply", str(_plan(cwd, "echo", ["kind:pty"])), env=env, cwd=cwd)["planId"]
    (run,) = knit_json("run", "find", "-p", plan_id, env=env, cwd=cwd)
    knit("run", "wait", "--timeout", "60", run["runId"], env=env, cwd=cwd)
    held = knit_json("plan", "apply", str(_plan(cwd, "held", ["kind:pty"], active=False)), env=env, cwd=cwd)
    (held_run,) = knit_json("run", "find", "-p", held["planId"], env=env, cwd=cwd)
    _plan(cwd, "other", ["kind:other"])
    (cwd / "pty_pipeline.py").write_text(PTY_PIPELINE)
    knit("pipeline", "apply", "pty_pipeline.py", env=env, cwd=cwd)
    extensions = cwd / "extensions"
    extensions.mkdir()
    (extensions / "knit-hello").write_text(
        '#!/bin/sh\necho "args: $*"\necho "server=$KNIT_SERVER token=${KNIT_TOKEN:+set} store=$KNIT_PROFILE_STORE"\n'
    )
    (extensions / "knit-hello").chmod(0o755)
    return World(knit_id, plan_id, run["runId"], held_run["runId"], extensions)


# A one-step pipeline whose step sleeps for its parameter `pause` (seconds: the only digits in its
# parameters.json).
PTY_PIPELINE = """
from knitgraph.pipeline import Pipeline

pipeline = Pipeline("pty", parameters={"pause": 0})
pipeline.step("slow", image="pty:v1", outputs=["out"], annotations={"knitgraph.io/executor": "process"},
              entrypoint=["sh", "-c", "sleep $(tr -dc 0-9 < /in/parameters/parameters.json)"])
"""

# (command, exit status, what the screen shows: a regular expression)
ACTIONS = [
    ("knit version", 0, r"knit: \d+\.\d+.*\n+server: \d+\.\d+"),
    ("knit license", 0, r"Apache-2\.0[\s\S]*Apache License\s+Version 2\.0"),
    ("PATH={extensions}:$PATH knit --help", 0, r"Extensions[\s\S]*hello +\S*knit-hello"),
    ("PATH={extensions}:$PATH knit --profile-store ./store hello one --two", 0,
     r"args: one --two\s+server=http://127\.0\.0\.1:\d+ token=set store={cwd}/store"),
    ("knit data push -t kind:pushed dataset", 0, r"100%\|.*\| 8\.00B/8\.00B"),
    # A knitprofile made for Knitfab's own CLI carries the token in its apiRoot; knit reads it too.
    ("mkdir -p kf && cd kf && printf 'apiRoot: %s/api/t/%s\\n' \"$KNIT_SERVER\" \"$KNIT_TOKEN\" > kp"
     " && env -u KNIT_SERVER -u KNIT_TOKEN knit --profile-store ./store init kp"
     " && env -u KNIT_SERVER -u KNIT_TOKEN knit --profile-store ./store data find -t kind:pty", 0,
     r'"knitId": "{knit_id}"'),
    ("knit data find -t kind:pty", 0, r'"knitId": "{knit_id}"'),
    ("knit data show {knit_id}", 0, r'"knitId": "{knit_id}"'),
    ("knit data tag --add seen:yes {knit_id}", 0, r'"seen:yes"'),
    ("knit data pull -x {knit_id} pulled", 0, r"100%\|.*\| 8\.00B/8\.00B"),
    ("knit data lineage -o lineage.dot {knit_id} && head -c 7 lineage.dot", 0, r"digraph"),
    ("knit data show no-such-data", 1, r"Error: data knit#id:no-such-data is not found"),
    ("knit plan template --scratch", 0, r"image:"),
    ("knit plan apply other.yaml", 0, r"\[NOTE\] Runs of this plan have no network"),
    ("knit plan show {plan_id}", 0, r'"planId": "{plan_id}"'),
    ("knit plan find --active yes", 0, r'"planId": "{plan_id}"'),
    ("knit plan graph -o plans.dot {plan_id} && head -c 7 plans.dot", 0, r"digraph"),
    ("knit plan annotate --add owner=pty {plan_id}", 0, r"owner=pty"),
    ("knit plan resource -s cpu=1 {plan_id}", 0, r'"cpu": "1"'),
    ("knit run find -p {plan_id}", 0, r'"runId": "{run_id}"'),
    ("knit run show {run_id}", 0, r'"status": "done"'),
    ("knit run show --log {run_id}", 0, r"hello from the run"),
    ("knit run show --log -f {run_id}", 0, r"hello from the run"),
    ("knit run wait {run_id}", 0, r'"status": "done"'),
    ("knit run stop {held_run_id}", 1, r"Error: prohibited operation: the run is deactivated"),
    ("knit run rerun --dry-run {run_id}", 0, r"\[dry run\] run {run_id} of plan echo:v1 would run again as a new Run"),
    ("knit data gc --dry-run", 0, r"\[dry run\] would free 0\.00B in 0 Data"),
    ("knit pipeline apply pty_pipeline.py", 0, r"pty step slow: unchanged, Plan"),
    ("knit pipeline show pty", 0, r'"pause": 0'),
    ("knit pipeline graph -o pipeline.dot pty && head -c 7 pipeline.dot", 0, r"digraph"),
    ("knit pipeline run pty --wait", 0, r"done: 1/1 steps done"),
    ("knit pipeline run pty -p nope=1", 1, r"has no parameter 'nope' \(its parameters: pause\)"),
    ("knit experiment show default", 0, r"pipeline run\s+\w{{8}}[\s\S]*pipeline\s+pty"),
    ("knit metrics compare -p pty --format csv", 0, r"pipeline run,pipeline,experiment,status,pause"),
    ("knitgraph status", 0, r"api server: up"),
    ("knitgraph user list", 0, r"admin"),
    ("knitgraph token list", 0, r"admin"),
]


@pytest.mark.parametrize(("command", "exit_status", "shows"), ACTIONS, ids=[row[0] for row in ACTIONS])
def test_action_on_a_terminal(served_module: Served, world: World, command: str, exit_status: int,
                              shows: str) -> None:
    values = {**vars(world), "extensions": str(world.extensions), "cwd": str(served_module.cwd)}
    typed = command.format(**values)
    env = served_module.admin_env if command.startswith("knitgraph") else served_module.knit_env
    status, screen = run_on_terminal(typed, env=env, cwd=served_module.cwd)
    assert status == exit_status, f"{typed}\n{screen}"
    assert "Traceback" not in screen and "unexpected error" not in screen, screen
    assert re.search(shows.format(**values), screen), f"{typed} does not show {shows!r}:\n{screen}"


def test_follow_waits_for_the_run_to_start_then_streams_its_log(served_module: Served, world: World) -> None:
    env, cwd = served_module.knit_env, served_module.cwd
    held_plan = knit_json("run", "show", world.held_run_id, env=env, cwd=cwd)["plan"]["planId"]
    terminal = Terminal(f"knit run show --log -f {world.held_run_id}", env=env, cwd=cwd)
    terminal.expect(rf"waiting for run {world.held_run_id} to start \(status: deactivated\)…")
    knit("plan", "active", "yes", held_plan, env=env, cwd=cwd)
    terminal.expect("hello from the run")
    status, screen = terminal.finish()
    assert status == 0, screen
    assert json.loads(knit("run", "show", world.held_run_id, env=env, cwd=cwd).stdout)["status"] == "done"


def test_ctrl_c_while_following_ends_cleanly_with_130(served_module: Served, world: World) -> None:
    env, cwd = served_module.knit_env, served_module.cwd
    parked = knit_json("plan", "apply", str(_plan(cwd, "parked", ["kind:pty"], active=False)), env=env, cwd=cwd)
    (run,) = knit_json("run", "find", "-p", parked["planId"], env=env, cwd=cwd)
    terminal = Terminal(f"knit run show --log -f {run['runId']}", env=env, cwd=cwd)
    terminal.expect(r"waiting for run \S+ to start \(status: deactivated\)…")
    terminal.interrupt()
    status, screen = terminal.finish()
    assert status == 130, screen
    assert f"interrupted: stopped following the log of run {run['runId']}" in screen, screen
    assert "Traceback" not in screen and "Aborted!" not in screen, screen


def test_ctrl_c_while_waiting_for_a_pipeline_run_ends_cleanly_with_130(served_module: Served, world: World) -> None:
    env, cwd = served_module.knit_env, served_module.cwd
    terminal = Terminal("knit pipeline run pty -e pty-interrupted -p pause=30 --wait", env=env, cwd=cwd)
    terminal.expect(r"running: 0/1 steps done \(slow (waiting|ready|starting|running)\)")
    terminal.interrupt()
    status, screen = terminal.finish()
    assert status == 130, screen
    assert re.search(r"interrupted: stopped waiting for pipeline run \S+; it goes on", screen), screen
    assert "knit experiment show pty-interrupted" in screen and "Traceback" not in screen, screen
    (found,) = knit_json("metrics", "compare", "-e", "pty-interrupted", "--format", "json", env=env, cwd=cwd)
    assert found["status"] == "running"  # the pipeline run goes on
    knit("run", "stop", "--fail", found["runs"][0]["run"]["runId"], env=env, cwd=cwd)
