// The one graph component of the lineage explorer and the plan graph: React Flow, laid out by ELK
// in a worker, with a minimap, zoom controls, and a click on a node opening its page.

import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type NodeMouseHandler,
} from "@xyflow/react";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { layout, type Positions } from "./layout";
import type { GraphEdge, GraphModel, GraphNode } from "./model";
import { GraphActionsContext, nodeTypes, sizeOf, type FlowNode, type GraphActions } from "./nodes";

// Past this many edges their labels (mountpoint paths) are left out: they cost more than they tell.
const LABELLED_EDGES = 400;

const MINIMAP_COLORS: Record<GraphNode["kind"], string> = {
  data: "#1c9930", run: "#f59e0b", plan: "#DAA520", root: "#6b7280",
};

function flowEdge(edge: GraphEdge, labelled: boolean): Edge {
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    label: labelled ? edge.label : undefined,
    className: `gedge gedge-${edge.kind.toLowerCase()}`,
    style: edge.kind === "LOG" ? { strokeDasharray: "5 4" } : undefined,
    labelBgPadding: [4, 2],
    labelBgBorderRadius: 3,
  };
}

interface Props {
  model: GraphModel;
  expand?: (nodeId: string) => void;
  expanding: ReadonlySet<string>;
  onOpen: (node: GraphNode) => void;
  children?: ReactNode;
}

export function GraphCanvas(props: Props) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}

function Canvas({ model, expand, expanding, onOpen, children }: Props) {
  const [positions, setPositions] = useState<Positions>();
  const [failure, setFailure] = useState<string>();
  const { fitView } = useReactFlow();

  // Laid out again only when nodes or edges come or go (or change size), not when a status changes.
  const shape = useMemo(() => {
    const nodes = [...model.nodes.values()].map((node) => ({ id: node.id, ...sizeOf(node) }));
    const edges = [...model.edges.values()].map(({ id, source, target }) => ({ id, source, target }));
    return { nodes, edges, key: JSON.stringify([nodes, edges.map((e) => e.id)]) };
  }, [model]);
  const shapeRef = useRef(shape);
  shapeRef.current = shape;

  useEffect(() => {
    let current = true;
    const { nodes, edges } = shapeRef.current;
    layout(nodes, edges)
      .then((laid) => current && setPositions(laid))
      .catch((error: unknown) => current && setFailure(error instanceof Error ? error.message : String(error)));
    return () => {
      current = false;
    };
  }, [shape.key]);

  const nodes = useMemo<FlowNode[]>(() => {
    if (!positions) return [];
    return [...model.nodes.values()].flatMap((node) => {
      const at = positions.get(node.id);
      return at ? [{ id: node.id, type: node.kind, position: at, data: { node }, ...sizeOf(node) }] : [];
    });
  }, [model, positions]);

  const edges = useMemo(() => {
    const shown = new Set(nodes.map((n) => n.id));
    const kept = [...model.edges.values()].filter((e) => shown.has(e.source) && shown.has(e.target));
    return kept.map((edge) => flowEdge(edge, kept.length <= LABELLED_EDGES));
  }, [model, nodes]);

  useEffect(() => {
    if (!positions) return undefined;
    const frame = requestAnimationFrame(() => void fitView({ padding: 0.12, maxZoom: 1.1, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [positions, fitView]);

  const actions = useMemo<GraphActions>(
    () => ({ expand, expanding, expanded: model.expanded, start: model.start }),
    [expand, expanding, model.expanded, model.start],
  );
  const open: NodeMouseHandler<FlowNode> = (_, node) => onOpen(node.data.node);

  return (
    <GraphActionsContext.Provider value={actions}>
      <div className="graph" data-testid="graph" data-nodes={nodes.length} data-laid-out={positions ? "yes" : "no"}>
        {failure && <div className="notice notice-bad graph-failure" role="alert">{failure}</div>}
        {!positions && !failure && <div className="loading graph-loading" role="status">Laying out {model.nodes.size} nodes…</div>}
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodeClick={open}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          onlyRenderVisibleElements
          minZoom={0.05}
          maxZoom={2}
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={(n) => MINIMAP_COLORS[(n as FlowNode).data.node.kind]} />
          {children}
        </ReactFlow>
      </div>
    </GraphActionsContext.Provider>
  );
}
