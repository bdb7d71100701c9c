"""How a Plan's Runs will execute on the server (executor, network) and what would make them fail,
as lines for stderr: after `knit plan apply` and `knit pipeline apply`."""

from __future__ import annotations

from .client import KnitClient


def execution_lines(client: KnitClient, plan_id: str) -> list[str]:
    """The executor line, then a ``[WARN]``/``[NOTE]`` line (with its advice) per notice."""
    execution = client.graphql("PlanExecution", planId=plan_id)["planExecution"]
    if execution["executor"] == "none":
        return []
    what = "its image in a container" if execution["imageUsed"] else "its command as a sandboxed process"
    lines = [f"Runs execute {what} ({execution['executor']} executor: {execution['why']})"]
    for notice in execution["notices"]:
        label = "[WARN]" if notice["level"] == "warning" else "[NOTE]"
        lines.append(f"{label} {notice['message']}\n    advice: {notice['advice']}")
    return lines
