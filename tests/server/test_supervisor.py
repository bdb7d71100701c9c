"""The loop supervisor keeps a failing loop alive: it logs, waits, starts it again, and says when
it works again."""

from __future__ import annotations

import anyio
import pytest

from knitgraph.graph_schema.errors import UnavailableError
from knitgraph.server.loops import supervisor as supervisor_module
from knitgraph.server.loops.supervisor import Supervisor


def test_a_failing_loop_is_restarted_until_it_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor_module, "FIRST_DELAY_SECONDS", 0.01)
    supervisor = Supervisor()
    attempts: list[int] = []
    working = anyio.Event()

    async def loop() -> None:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise UnavailableError("Neo4j at bolt://x does not answer", "start it")
        if len(attempts) == 3:
            raise RuntimeError("a bug")
        supervisor.recovered("flaky")
        working.set()
        await anyio.sleep_forever()

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(supervisor.supervise, "flaky", loop)
            with anyio.fail_after(10):
                await working.wait()
            assert supervisor.loops["flaky"].failing is False
            tasks.cancel_scope.cancel()

    anyio.run(main)
    state = supervisor.loops["flaky"]
    assert len(attempts) == 4 and state.restarts == 3
    assert state.last_error == "unexpected error: RuntimeError"
