// /lineage/<knitId>?depth=2&up=1&down=1&max=300&status=&focus=: the lineage explorer. One query draws the
// lineage around a Data; the + of a Data node loads the Runs around it (one more query), merged in.

import { useCallback, useEffect, useMemo } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { request } from "../api/client";
import { Lineage } from "../api/operations";
import { useQuery, useRefreshWhile } from "../api/useQuery";
import { Loading } from "../components/bits";
import { ActionError, ErrorView } from "../components/ErrorView";
import { shortId } from "../format";
import type { RunStatus } from "../gql/graphql";
import { GraphCanvas } from "../graph/GraphCanvas";
import { GraphControls, Legend, TruncatedMarker, depthOf, readSettings, writeSettings } from "../graph/GraphControls";
import { lineageModel, withLineage, type GraphModel, type GraphNode } from "../graph/model";
import { useExpandable } from "../graph/useExpandable";
import { UNFINISHED } from "../status";

const REFRESH_MS = 3000;
const MOVING: ReadonlySet<RunStatus> = new Set([...UNFINISHED].filter((status) => status !== "deactivated"));

/** What the lineage view asks for, read from its URL (also by the preload, before React starts). */
export function lineageVariables(knitId: string, params: URLSearchParams) {
  const settings = readSettings(params);
  return {
    knitId, upstream: settings.upstream, downstream: settings.downstream, depth: depthOf(settings),
    maxNodes: settings.maxNodes, statuses: settings.statuses.length ? settings.statuses : null,
  };
}

export function LineageView() {
  const { knitId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const settings = readSettings(params);
  const wantedKey = JSON.stringify(lineageVariables(knitId, params));
  // The same object while the URL asks the same: the refresh timer below keeps running.
  const wanted = useMemo(() => JSON.parse(wantedKey) as ReturnType<typeof lineageVariables>, [wantedKey]);
  const query = useQuery(Lineage, wanted);
  const initial = useMemo(() => (query.data ? lineageModel(query.data.lineage) : undefined), [query.data]);
  useEffect(() => {
    if (query.data) performance.mark("knitgraph:answer");  // read by `python -m bench console`
  }, [query.data]);

  const statusKey = settings.statuses.join(",");
  const load = useCallback(async (nodeId: string, model: GraphModel) => {
    const node = model.nodes.get(nodeId);
    if (node?.kind !== "data") return model;
    const answer = await request(Lineage, {
      knitId: node.data.knitId, upstream: true, downstream: true, depth: 1, maxNodes: settings.maxNodes,
      statuses: statusKey ? (statusKey.split(",") as RunStatus[]) : null,
    });
    return withLineage(model, answer.lineage, nodeId);
  }, [settings.maxNodes, statusKey]);

  const { model, expand, expanding, error, refresh } = useExpandable(initial, load);

  // While a Run in view moves, the first query is asked again now and then: statuses change on the
  // page, and new Runs appear.
  const moving = useMemo(() => [...(model?.nodes.values() ?? [])].some((n) => n.kind === "run" && MOVING.has(n.run.status)),
    [model]);
  const variables = query.data ? wanted : undefined;
  const askAgain = useCallback(() => {
    if (variables) request(Lineage, variables).then((answer) => refresh(lineageModel(answer.lineage))).catch(() => undefined);
  }, [variables, refresh]);
  useRefreshWhile(moving && variables !== undefined, askAgain, REFRESH_MS);

  const open = useCallback((node: GraphNode) => {
    if (node.kind === "data") navigate(`/data/${node.data.knitId}`);
    else if (node.kind === "run") navigate(`/runs/${node.run.runId}`);
  }, [navigate]);

  if (query.error) return <ErrorView error={query.error} back={{ to: "/data", label: "Back to Data" }} />;
  return (
    <div className="view view-graph">
      <header className="view-header">
        <div className="crumbs"><Link to="/data">Data</Link> / <Link to={`/data/${knitId}`}>{shortId(knitId)}</Link> /</div>
        <h1>Lineage of <code className="id-full">{knitId}</code></h1>
        <GraphControls settings={settings} withStatuses onChange={(next) => setParams(writeSettings(next))} />
        <ActionError error={error} />
      </header>
      {!model ? (
        <Loading what="the lineage" />
      ) : (
        <GraphCanvas model={model} expand={expand} expanding={expanding} onOpen={open}
          focus={params.get("focus") ?? undefined} exportName={`lineage-${knitId}`}>
          <TruncatedMarker truncated={model.truncated} omitted={model.omitted} what="Run" maxNodes={settings.maxNodes} />
          <Legend kinds={["data", "run"]} />
        </GraphCanvas>
      )}
    </div>
  );
}
