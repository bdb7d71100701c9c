// Data, Run and Plan nodes in the dot export's visual language: Data green, Runs orange, Plans
// goldenrod; the start highlighted; each Run's status written out, coloured as the dot export
// colours it. Every node has a fixed size, known before it is drawn, so the layout needs no
// measuring pass.

import { Handle, Position, useStore, type Node, type NodeHandle, type NodeProps, type ReactFlowState } from "@xyflow/react";
import { createContext, memo, useContext, type ReactNode } from "react";
import { formatTime, planName, planWhat, shortId, userTags } from "../format";
import type { GraphNode } from "./model";

export const DATA_WIDTH = 230;
export const RUN_WIDTH = 250;
export const PLAN_WIDTH = 270;
export const ROOT_SIZE = 26;
const ROW = 18;
const HEADER = 30;
const SHOWN_TAGS = 4;
const SHOWN_MOUNTS = 4;

// Below this zoom a node's text is too small to read. Nodes are then drawn plain, with one large
// word (the kind, or a Run's status): far fewer elements, so a large graph draws several times
// faster, and what is drawn can be read.
const DETAIL_ZOOM = 0.3;
export const zoomedOut = (state: ReactFlowState) => state.transform[2] < DETAIL_ZOOM;

/** What a node can ask of its view: to load its neighbourhood. */
export interface GraphActions {
  expand?: (nodeId: string) => void;
  expanding: ReadonlySet<string>;
  expanded: ReadonlySet<string>;
  start: string;
}

export const GraphActionsContext = createContext<GraphActions>({ expanding: new Set(), expanded: new Set(), start: "" });

export function sizeOf(node: GraphNode): { width: number; height: number } {
  switch (node.kind) {
    case "data": {
      const tags = Math.min(userTags(node.data.tags).length, SHOWN_TAGS + 1);
      return { width: DATA_WIDTH, height: HEADER + ROW + 8 + Math.max(tags, 1) * ROW };
    }
    case "run":
      return { width: RUN_WIDTH, height: HEADER + ROW * 2 + 14 };
    case "plan": {
      const mounts = Math.min(node.plan.inputs.length, SHOWN_MOUNTS) + Math.min(node.plan.outputs.length + (node.plan.log ? 1 : 0), SHOWN_MOUNTS);
      return { width: PLAN_WIDTH, height: HEADER + ROW + 14 + Math.max(mounts, 1) * ROW };
    }
    case "root":
      return { width: ROOT_SIZE, height: ROOT_SIZE };
  }
}

export type FlowNode = Node<{ node: GraphNode }>;

// React Flow's handle is a 6 px square centred on the node's edge.
const HANDLE = 6;

/**
 * Where a node's handles are, known before it is drawn: React Flow draws an edge between nodes it
 * has not measured (those out of view) and draws every edge with the first frame.
 */
export function handlesOf(node: GraphNode): NodeHandle[] {
  const { width, height } = sizeOf(node);
  const y = height / 2 - HANDLE / 2;
  const source: NodeHandle = { type: "source", position: Position.Right, x: width - HANDLE / 2, y, width: HANDLE, height: HANDLE };
  if (node.kind === "root") return [source];
  return [{ type: "target", position: Position.Left, x: -HANDLE / 2, y, width: HANDLE, height: HANDLE }, source];
}

function Handles() {
  return (
    <>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </>
  );
}

function ExpandButton({ id, label }: { id: string; label: string }) {
  const actions = useContext(GraphActionsContext);
  if (!actions.expand || actions.expanded.has(id)) return null;
  const busy = actions.expanding.has(id);
  return (
    <button
      type="button"
      className="node-expand nodrag"
      data-testid="expand"
      title={`Load the ${label} around this node`}
      aria-label={`expand ${id}`}
      disabled={busy}
      onClick={(event) => {
        event.stopPropagation();
        actions.expand?.(id);
      }}
    >
      {busy ? "…" : "+"}
    </button>
  );
}

function Compact({ word, expand }: { word: string; expand?: ReactNode }) {
  return (
    <>
      <Handles />
      <div className="gcompact">{word}{expand}</div>
    </>
  );
}

function DataNodeView({ data: { node } }: NodeProps<FlowNode>) {
  const start = useContext(GraphActionsContext).start === node.id;
  const compact = useStore(zoomedOut);
  if (node.kind !== "data") return null;
  const { data } = node;
  const tags = userTags(data.tags);
  return (
    <div className={start ? "gnode gdata gstart" : "gnode gdata"} style={sizeOf(node)} data-node-kind="data"
      data-knit-id={data.knitId} title={`knit#id:${data.knitId}`}>
      {compact ? <Compact word="Data" expand={<ExpandButton id={node.id} label="Runs" />} /> : <DataDetail node={node} tags={tags} />}
    </div>
  );
}

function DataDetail({ node, tags }: { node: Extract<GraphNode, { kind: "data" }>; tags: string[] }) {
  const { data } = node;
  return (
    <>
      <Handles />
      <div className="gnode-header">
        <span className="gnode-kind">Data</span>
        <code>{shortId(data.knitId)}</code>
        <ExpandButton id={node.id} label="Runs" />
      </div>
      <div className="gnode-meta">
        {data.timestamp ? formatTime(data.timestamp) : "not finished"}
        {data.transient && <strong className="gtransient"> · {data.transient}</strong>}
      </div>
      <div className="gnode-tags">
        {tags.length === 0 && <span className="muted">no tags</span>}
        {tags.slice(0, SHOWN_TAGS).map((tag) => (
          <div key={tag} className="gnode-tag">{tag}</div>
        ))}
        {tags.length > SHOWN_TAGS && <div className="muted">+{tags.length - SHOWN_TAGS} more</div>}
      </div>
    </>
  );
}

function RunNodeView({ data: { node } }: NodeProps<FlowNode>) {
  const compact = useStore(zoomedOut);
  if (node.kind !== "run") return null;
  const { run } = node;
  return (
    <div className={`gnode grun grun-${run.status}`} style={sizeOf(node)} data-node-kind="run" data-run-id={run.runId}
      data-status={run.status} title={`runId:${run.runId}`}>
      {compact ? <Compact word={run.status} /> : <RunDetail node={node} />}
    </div>
  );
}

function RunDetail({ node: { run } }: { node: Extract<GraphNode, { kind: "run" }> }) {
  const name = planName(run.plan);
  const what = planWhat(run.plan);
  return (
    <>
      <Handles />
      <div className="gnode-header">
        <span className="gnode-kind">Run</span>
        <strong className="gstatus">{run.status}</strong>
        <code>{shortId(run.runId)}</code>
      </div>
      <div className="gnode-meta">last updated: {formatTime(run.updatedAt)}</div>
      <div className="gnode-plan">
        {name && <strong>{name} </strong>}
        {what && <span>{run.plan.image ? "image = " : "command = "}{what}</span>}
        {!name && !what && <code>{run.plan.planId}</code>}
      </div>
    </>
  );
}

function PlanNodeView({ data: { node } }: NodeProps<FlowNode>) {
  const start = useContext(GraphActionsContext).start === node.id;
  const compact = useStore(zoomedOut);
  if (node.kind !== "plan") return null;
  const { plan } = node;
  return (
    <div className={start ? "gnode gplan gstart" : "gnode gplan"} style={sizeOf(node)} data-node-kind="plan"
      data-plan-id={plan.planId} title={`planId:${plan.planId}`}>
      {compact
        ? <Compact word={planName(plan) ?? "Plan"} expand={<ExpandButton id={node.id} label="Plans" />} />
        : <PlanDetail node={node} />}
    </div>
  );
}

function PlanDetail({ node }: { node: Extract<GraphNode, { kind: "plan" }> }) {
  const { plan } = node;
  const name = planName(plan);
  const outputs = [...plan.outputs.map((o) => o.path), ...(plan.log ? ["(log)"] : [])];
  return (
    <>
      <Handles />
      <div className="gnode-header">
        <span className="gnode-kind">Plan</span>
        <strong className={plan.active ? "gactive" : "ginactive"}>{plan.active ? "active" : "inactive"}</strong>
        <code>{shortId(plan.planId)}</code>
        <ExpandButton id={node.id} label="Plans" />
      </div>
      <div className="gnode-plan">
        {name && <strong>{name} </strong>}
        {plan.image ? <span>image = {plan.image}</span> : null}
      </div>
      <div className="gnode-mounts">
        {plan.inputs.slice(0, SHOWN_MOUNTS).map((m) => <div key={m.path}><span className="gpoint" /> in {m.path}</div>)}
        {outputs.slice(0, SHOWN_MOUNTS).map((path) => <div key={path}><span className="gpoint" /> out {path}</div>)}
      </div>
    </>
  );
}

function RootNodeView() {
  return (
    <div className="groot" title="uploaded: a Run without inputs" data-node-kind="root">
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

export const nodeTypes = {
  data: memo(DataNodeView),
  run: memo(RunNodeView),
  plan: memo(PlanNodeView),
  root: memo(RootNodeView),
};
