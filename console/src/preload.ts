// The query of the page being opened starts as soon as the script runs, before React renders the
// view that needs it: a deep link to a large graph saves the time React takes to start.

import { matchPath } from "react-router";
import { currentToken } from "./api/auth";
import { DataPage, Lineage, PlanGraph, RunPage } from "./api/operations";
import { preload } from "./api/useQuery";
import { lineageVariables } from "./views/LineageView";
import { planGraphVariables } from "./views/PlanGraphView";

export function preloadView(location: Location): void {
  if (!currentToken()) return;
  const params = new URLSearchParams(location.search);
  const at = (pattern: string) => matchPath(pattern, location.pathname)?.params;
  const lineage = at("/lineage/:knitId");
  if (lineage?.knitId) preload(Lineage, lineageVariables(lineage.knitId, params));
  const planGraph = at("/plans/:planId/graph");
  if (planGraph?.planId) preload(PlanGraph, planGraphVariables(planGraph.planId, params));
  const data = at("/data/:knitId");
  if (data?.knitId) preload(DataPage, { knitId: data.knitId });
  const run = at("/runs/:runId");
  if (run?.runId) preload(RunPage, { runId: run.runId });
}
