// /plans/<planId>/graph?depth=2&up=1&down=1&max=300: the Plans around a Plan, linked where an
// output feeds an input; the + of a Plan loads the Plans next to it.

import { useCallback, useMemo } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { request } from "../api/client";
import { PlanGraph } from "../api/operations";
import { useQuery } from "../api/useQuery";
import { Loading } from "../components/bits";
import { ActionError, ErrorView } from "../components/ErrorView";
import { shortId } from "../format";
import { GraphCanvas } from "../graph/GraphCanvas";
import { GraphControls, Legend, TruncatedMarker, depthOf, readSettings, writeSettings } from "../graph/GraphControls";
import { planGraphModel, withPlanGraph, type GraphModel, type GraphNode } from "../graph/model";
import { useExpandable } from "../graph/useExpandable";

/** What the plan graph view asks for, read from its URL (also by the preload, before React starts). */
export function planGraphVariables(planId: string, params: URLSearchParams) {
  const settings = readSettings(params);
  return {
    planId, upstream: settings.upstream, downstream: settings.downstream, depth: depthOf(settings),
    maxNodes: settings.maxNodes,
  };
}

export function PlanGraphView() {
  const { planId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const settings = readSettings(params);
  const query = useQuery(PlanGraph, planGraphVariables(planId, params));
  const initial = useMemo(() => (query.data ? planGraphModel(query.data.planGraph) : undefined), [query.data]);

  const load = useCallback(async (nodeId: string, model: GraphModel) => {
    const node = model.nodes.get(nodeId);
    if (node?.kind !== "plan") return model;
    const answer = await request(PlanGraph, {
      planId: node.plan.planId, upstream: true, downstream: true, depth: 1, maxNodes: settings.maxNodes,
    });
    return withPlanGraph(model, answer.planGraph, nodeId);
  }, [settings.maxNodes]);

  const { model, expand, expanding, error } = useExpandable(initial, load);
  const open = useCallback((node: GraphNode) => {
    if (node.kind === "plan") navigate(`/plans/${node.plan.planId}`);
  }, [navigate]);

  if (query.error) return <ErrorView error={query.error} back={{ to: "/plans", label: "Back to Plans" }} />;
  return (
    <div className="view view-graph">
      <header className="view-header">
        <div className="crumbs"><Link to="/plans">Plans</Link> / <Link to={`/plans/${planId}`}>{shortId(planId)}</Link> /</div>
        <h1>Plan graph of <code className="id-full">{planId}</code></h1>
        <GraphControls settings={settings} withStatuses={false} onChange={(next) => setParams(writeSettings(next))} />
        <ActionError error={error} />
      </header>
      {!model ? (
        <Loading what="the plan graph" />
      ) : (
        <GraphCanvas model={model} expand={expand} expanding={expanding} onOpen={open}
          focus={params.get("focus") ?? undefined} exportName={`plan-graph-${planId}`}>
          <TruncatedMarker truncated={model.truncated} omitted={model.omitted} what="Plan" maxNodes={settings.maxNodes} />
          <Legend kinds={["plan"]} />
        </GraphCanvas>
      )}
    </div>
  );
}
