"""Reading a pipeline file: run it as a Python script and keep the :class:`~.dsl.Pipeline` s it made.

A file that raises is reported with the line of the file that raised, never a traceback into
knitgraph."""

from __future__ import annotations

import runpy
import traceback
from pathlib import Path

from .dsl import Origin, Pipeline, PipelineError


def _line_in(path: Path, exc: BaseException) -> Origin | None:
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        return Origin(str(path), exc.lineno)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    return Origin(str(path), frames[-1].lineno or 0) if frames else None


def load_pipelines(path: Path) -> list[Pipeline]:
    """The pipelines a file defines at its top level (``__name__`` is ``"__pipeline__"``, so code
    under ``if __name__ == "__main__":`` does not run)."""
    try:
        namespace = runpy.run_path(str(path), run_name="__pipeline__")
    except PipelineError:
        raise
    except SystemExit as exc:
        raise PipelineError(f"pipeline file {path} exited ({exc.code}) while it was read",
                            "do not call sys.exit() at the top level of a pipeline file") from exc
    except Exception as exc:  # the user's code: any error is theirs, reported with its line
        where = _line_in(path, exc)
        raise PipelineError(f"pipeline file raised {type(exc).__name__}: {exc}",
                            "fix the pipeline file at that line and apply it again", where) from exc
    found: list[Pipeline] = []
    for value in namespace.values():
        if isinstance(value, Pipeline) and value not in found:
            found.append(value)
    if not found:
        raise PipelineError(f"pipeline file {path} defines no pipeline",
                            "create one at the top level: pipeline = Pipeline('name')")
    return found
