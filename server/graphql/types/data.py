"""The Data type: a directory plus tags, with where it came from and where it went."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema import records

from .common import Action, LogPoint, Metric, Mountpoint, PlanSummary, RunSummary, metric_list, tag_strings


@strawberry.type
class DataUpstream:
    mountpoint: Mountpoint | None
    log: LogPoint | None
    run: RunSummary


@strawberry.type
class DataDownstream:
    mountpoint: Mountpoint
    run: RunSummary


@strawberry.type
class DataNomination:
    path: str
    tags: list[str]
    plan: PlanSummary


@strawberry.type(description="A directory plus key:value tags; system tags (knit#...) are derived.")
class Data:
    knit_id: strawberry.ID
    tags: list[str]
    upstream: DataUpstream
    downstreams: list[DataDownstream]
    nomination: list[DataNomination]
    content_digest: str | None = strawberry.field(
        description="SHA-256 tree digest of the content; `knit data pull` verifies against it."
    )
    history: list[Action] = strawberry.field(description="Who pushed and tagged it, oldest first.")
    content_size: float | None = strawberry.field(
        description="Bytes of its files (a whole number; Float since GraphQL's Int has 32 bits). Null until a "
        "Run's output is finished."
    )
    metrics: list[Metric] = strawberry.field(
        description="What the Run that made it wrote in metrics.json at the top of this output (flat "
        "name: number, or Kubeflow Pipelines' metrics file); recorded when the Run finished."
    )

    @classmethod
    def from_record(cls, data: records.DataRecord) -> Data:
        upstream = data.upstream
        return cls(
            knit_id=strawberry.ID(data.knit_id),
            tags=tag_strings(data.tags),
            upstream=DataUpstream(
                mountpoint=Mountpoint.from_record(upstream.mountpoint) if upstream.mountpoint else None,
                log=LogPoint(tags=tag_strings(upstream.log_tags)) if upstream.log_tags is not None else None,
                run=RunSummary.from_record(upstream.run),
            ),
            downstreams=[
                DataDownstream(mountpoint=Mountpoint.from_record(d.mountpoint), run=RunSummary.from_record(d.run))
                for d in data.downstreams
            ],
            nomination=[
                DataNomination(
                    path=n.mountpoint.path,
                    tags=tag_strings(n.mountpoint.tags),
                    plan=PlanSummary.from_record(n.plan),
                )
                for n in data.nominations
            ],
            content_digest=data.content_digest,
            history=[Action.from_record(a) for a in data.history],
            content_size=data.content_size,
            metrics=metric_list(data.metrics),
        )
