// The graph a view draws, independent of how it is drawn: Data, Run and Plan nodes and the edges
// between them, built from `lineage` and `planGraph` answers and merged as nodes are expanded.

import type {
  ConsoleLineageQuery, ConsolePlanGraphQuery, ConsoleRunSummaryFragment, LineageEdgeKind,
} from "../gql/graphql";

export type LineageAnswer = ConsoleLineageQuery["lineage"];
export type PlanGraphAnswer = ConsolePlanGraphQuery["planGraph"];
export type LineageDataNode = LineageAnswer["data"][number];
export type PlanGraphPlan = PlanGraphAnswer["plans"][number];

export type GraphNode =
  | { kind: "data"; id: string; data: LineageDataNode }
  | { kind: "run"; id: string; run: ConsoleRunSummaryFragment }
  | { kind: "plan"; id: string; plan: PlanGraphPlan }
  | { kind: "root"; id: string };

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
  kind: LineageEdgeKind | "PLAN" | "ROOT";
}

export interface GraphModel {
  /** The node the view started from: the start Data or Plan. */
  start: string;
  nodes: Map<string, GraphNode>;
  edges: Map<string, GraphEdge>;
  /** A budget cut one of the answers short: more nodes exist than are drawn. */
  truncated: boolean;
  /** How many Runs (a lineage) or Plans (a plan graph) within reach the view's own query left out. */
  omitted: number;
  /** Nodes whose neighbourhood has been loaded (the start, and each expanded node). */
  expanded: Set<string>;
}

export const dataNodeId = (knitId: string) => `d:${knitId}`;
export const runNodeId = (runId: string) => `r:${runId}`;
export const planNodeId = (planId: string) => `p:${planId}`;

function add(model: GraphModel, node: GraphNode): void {
  // A newer answer knows more recent status: it replaces what was there.
  model.nodes.set(node.id, node);
}

function link(model: GraphModel, edge: GraphEdge): void {
  if (!model.edges.has(edge.id)) model.edges.set(edge.id, edge);
}

function emptyModel(start: string): GraphModel {
  return { start, nodes: new Map(), edges: new Map(), truncated: false, omitted: 0, expanded: new Set([start]) };
}

function mergeLineageInto(model: GraphModel, lineage: LineageAnswer): void {
  for (const data of lineage.data) add(model, { kind: "data", id: dataNodeId(data.knitId), data: { ...data, isStart: dataNodeId(data.knitId) === model.start } });
  for (const edge of lineage.edges) {
    const data = dataNodeId(edge.knitId);
    const run = runNodeId(edge.runId);
    const [source, target] = edge.kind === "INPUT" ? [data, run] : [run, data];
    link(model, {
      id: `${source}->${target}:${edge.path ?? "log"}`, source, target, kind: edge.kind,
      label: edge.kind === "LOG" ? "(log)" : edge.path ?? undefined,
    });
  }
  const reading = new Set<string>();
  for (const edge of model.edges.values()) if (edge.kind === "INPUT") reading.add(edge.target);
  for (const { run } of lineage.runs) {
    const id = runNodeId(run.runId);
    add(model, { kind: "run", id, run });
    // A Run that reads nothing was an upload: it hangs from a root, as in the dot export.
    if (!reading.has(id)) {
      const root = `root:${run.runId}`;
      add(model, { kind: "root", id: root });
      link(model, { id: `${root}->${id}`, source: root, target: id, kind: "ROOT" });
    }
  }
  model.truncated ||= lineage.truncated;
}

export function lineageModel(lineage: LineageAnswer): GraphModel {
  const model = emptyModel(dataNodeId(lineage.start));
  mergeLineageInto(model, lineage);
  model.omitted = lineage.omittedRuns;
  return model;
}

/** The model with one more answer merged in (a node's neighbourhood), ``expanded`` now loaded. */
export function withLineage(model: GraphModel, lineage: LineageAnswer, expanded: string): GraphModel {
  const next: GraphModel = {
    ...model, nodes: new Map(model.nodes), edges: new Map(model.edges), expanded: new Set(model.expanded).add(expanded),
  };
  mergeLineageInto(next, lineage);
  return next;
}

function mergePlanGraphInto(model: GraphModel, graph: PlanGraphAnswer): void {
  for (const plan of graph.plans) add(model, { kind: "plan", id: planNodeId(plan.planId), plan });
  for (const edge of graph.edges) {
    const source = planNodeId(edge.fromPlanId);
    const target = planNodeId(edge.toPlanId);
    const from = edge.fromPath ?? "(log)";
    link(model, { id: `${source}:${from}->${target}:${edge.toPath}`, source, target, kind: "PLAN", label: `${from} → ${edge.toPath}` });
  }
  model.truncated ||= graph.truncated;
}

export function planGraphModel(graph: PlanGraphAnswer): GraphModel {
  const model = emptyModel(planNodeId(graph.start));
  mergePlanGraphInto(model, graph);
  model.omitted = graph.omittedPlans;
  return model;
}

export function withPlanGraph(model: GraphModel, graph: PlanGraphAnswer, expanded: string): GraphModel {
  const next: GraphModel = {
    ...model, nodes: new Map(model.nodes), edges: new Map(model.edges), expanded: new Set(model.expanded).add(expanded),
  };
  mergePlanGraphInto(next, graph);
  return next;
}
