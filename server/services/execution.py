"""How a plan's Runs will execute on this server, and what would make them fail, said at apply.

Knitfab runs every plan's image; knitgraph may run a plan's command as a host process instead, and
checks what it can before the first Run: that the image will be used, that there is a command to
run, that the container engine has the image, and whether the Runs have network.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal

import anyio.to_thread
import docker.errors

from knitgraph.executors.engine import ImageFacts, image_facts
from knitgraph.graph_schema import plans as plan_graph
from knitgraph.graph_schema.plan_spec import EXECUTOR_ANNOTATION, NETWORK_ANNOTATION, annotation_value
from knitgraph.graph_schema.records import PlanSummary

from ..executor_choice import NO_ENGINE_ADVICE, Choice, choose
from .state import Services


@dataclass(frozen=True, slots=True)
class Notice:
    level: Literal["warning", "note"]
    message: str
    advice: str


@dataclass(frozen=True, slots=True)
class PlanExecution:
    executor: str
    image_used: bool
    network: bool
    why: str
    notices: tuple[Notice, ...]


async def plan_execution(services: Services, plan_id: str) -> PlanExecution:
    """The executor and network of the plan's Runs on this server, and warnings about them."""
    summary = (await plan_graph.get_plan(services.graph, plan_id)).summary
    if not summary.image:  # knit#uploaded and knit#imported: nothing ever executes
        return PlanExecution("none", False, False, "a pseudo plan has no Runs to execute", ())
    choice = choose(services.settings, services.engine, summary.annotations)
    notices = [*await _command_notices(services, summary, choice), _network_notice(services, choice)]
    return PlanExecution(choice.executor, choice.executor != "process", choice.network, choice.why,
                         tuple(n for n in notices if n is not None))


async def _command_notices(services: Services, plan: PlanSummary, choice: Choice) -> list[Notice]:
    command = shlex.join([*(plan.entrypoint or ()), *(plan.args or ())])
    if choice.executor == "process":
        if not plan.entrypoint:
            return [Notice("warning", "the plan has no entrypoint, and the process executor runs the plan's "
                           f"command, not its image ({choice.why}): every Run would fail",
                           f"add `entrypoint:` to the plan, or let its image run: {_container_advice(services)}")]
        chosen = services.settings.executor == "auto" and annotation_value(plan.annotations, EXECUTOR_ANNOTATION)
        return [Notice("note" if chosen else "warning", f"the image {plan.image} is not used: Runs execute "
                       f"`{command}` as a sandboxed process on the server's host ({choice.why})",
                       _container_advice(services))]
    if choice.executor != "docker":
        return []  # the cluster pulls images from registries knitgraph cannot see
    if services.engine is None:
        return [Notice("warning", f"no container engine answers, so the image {plan.image} cannot run: "
                       "every Run fails until one does", NO_ENGINE_ADVICE)]
    try:
        facts = await anyio.to_thread.run_sync(image_facts, services.engine, plan.image or "")
    except docker.errors.DockerException as exc:
        return [Notice("warning", f"the container engine at {services.engine} did not say whether it has "
                       f"{plan.image}: {exc}", "check the engine (`podman info`), then apply again")]
    if facts is None:
        return [Notice("warning", f"the image {plan.image} is not in the container engine at {services.engine}: "
                       "its Runs fail until it is", f"build or load it there: `podman --url {services.engine} build "
                       f"-t {plan.image} DIR` (or `podman load`, `docker build` with DOCKER_HOST set)")]
    return _image_command_notices(plan, facts)


def _image_command_notices(plan: PlanSummary, facts: ImageFacts) -> list[Notice]:
    if plan.entrypoint or plan.args or facts.has_command:
        return []
    return [Notice("warning", f"neither the plan nor the image {plan.image} names a command: every Run would fail",
                   "add `entrypoint:` to the plan, or ENTRYPOINT/CMD to the image")]


def _container_advice(services: Services) -> str:
    if services.settings.executor == "process":
        return "an administrator sets KNITGRAPH_EXECUTOR=auto (or docker) to run images"
    if services.engine is None:
        return NO_ENGINE_ADVICE
    return f"remove the annotation {EXECUTOR_ANNOTATION}=process to run the image"


def _network_notice(services: Services, choice: Choice) -> Notice:
    if choice.network:
        where = {"process": "the host's network", "kubernetes": "the cluster's network"}.get(
            choice.executor, "a network of their own")
        return Notice("note", f"Runs of this plan have {where}", f"{NETWORK_ANNOTATION}=off takes it away")
    policy = services.settings.run_network
    if policy == "never":
        advice = "this server gives Runs no network (KNITGRAPH_RUN_NETWORK=never): ask its administrator"
    elif choice.executor == "process" and not services.settings.process_network:
        advice = ("process Runs would share the host's network, which this server does not allow "
                  "(KNITGRAPH_PROCESS_NETWORK): run the image in a container to have network")
    else:
        advice = f"add the annotation {NETWORK_ANNOTATION}=on (knit plan annotate PLAN_ID --add {NETWORK_ANNOTATION}=on)"
    return Notice("note", "Runs of this plan have no network: a step that downloads fails (e.g. on DNS)", advice)
