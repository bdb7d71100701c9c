// The one graph component of the lineage explorer and the plan graph: React Flow, laid out by ELK
// in a worker, with a minimap, zoom controls, and a click on a node opening its page. Shift-click
// two nodes to see the shortest path between them; find a node (or ?focus=<id>) to zoom to it;
// export the drawing as SVG or dot.

import {
  Background, Controls, MiniMap, Panel, ReactFlow, ReactFlowProvider, getViewportForBounds, useReactFlow, useStore, type Edge,
  type NodeMouseHandler, type Viewport,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { graphDot, graphSvg, saveText } from "./exportGraph";
import { layout, type Positions } from "./layout";
import { shortestPath } from "./path";
import type { GraphEdge, GraphModel, GraphNode } from "./model";
import { GraphActionsContext, handlesOf, nodeTypes, sizeOf, zoomedOut, type FlowNode, type GraphActions } from "./nodes";

// Past this many edges, or zoomed out, their labels (mountpoint paths) are left out: they cost more
// than they tell.
const LABELLED_EDGES = 400;
const MIN_ZOOM = 0.05;
const FIT = { padding: 0.12, maxZoom: 1.1 };

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
  /** A knitId, runId or planId to zoom to once drawn (the URL's ?focus=). */
  focus?: string;
  /** The name of exported files, without extension. */
  exportName: string;
  children?: ReactNode;
}

/** The id a user knows a node by: its knitId, runId or planId. */
function userId(node: GraphNode): string {
  switch (node.kind) {
    case "data": return node.data.knitId;
    case "run": return node.run.runId;
    case "plan": return node.plan.planId;
    case "root": return node.id;
  }
}

/**
 * The view that shows every node (or centres ``target`` at full size), computed from the layout
 * rather than asked of React Flow: React Flow fits only the nodes it has measured, and it measures
 * only those in view.
 */
function viewportFor(model: GraphModel, positions: Positions, size: { width: number; height: number }, target?: GraphNode): Viewport {
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const node of target ? [target] : model.nodes.values()) {
    const at = positions.get(node.id);
    if (!at) continue;
    const { width, height } = sizeOf(node);
    box.x0 = Math.min(box.x0, at.x);
    box.y0 = Math.min(box.y0, at.y);
    box.x1 = Math.max(box.x1, at.x + width);
    box.y1 = Math.max(box.y1, at.y + height);
  }
  if (box.x0 === Infinity) return { x: 0, y: 0, zoom: 1 };
  const bounds = { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 };
  if (target) return { x: size.width / 2 - (bounds.x + bounds.width / 2), y: size.height / 2 - (bounds.y + bounds.height / 2), zoom: 1 };
  return getViewportForBounds(bounds, size.width, size.height, MIN_ZOOM, FIT.maxZoom, FIT.padding);
}

/** The node a search means: the id itself, an id's beginning, then a tag or plan name holding the text. */
function findNode(model: GraphModel, text: string): GraphNode | undefined {
  const wanted = text.trim().replace(/^(knit#id:|runId:|planId:)/, "").toLowerCase();
  if (!wanted) return undefined;
  const nodes = [...model.nodes.values()].filter((n) => n.kind !== "root");
  return nodes.find((n) => userId(n).toLowerCase() === wanted)
    ?? nodes.find((n) => userId(n).toLowerCase().startsWith(wanted))
    ?? nodes.find((n) => (n.kind === "data" && n.data.tags.some((t) => t.toLowerCase().includes(wanted)))
      || (n.kind === "run" && JSON.stringify(n.run.plan).toLowerCase().includes(wanted))
      || (n.kind === "plan" && JSON.stringify(n.plan).toLowerCase().includes(wanted)));
}

export function GraphCanvas(props: Props) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}

function Canvas({ model, expand, expanding, onOpen, focus, exportName, children }: Props) {
  const [positions, setPositions] = useState<Positions>();
  const [engine, setEngine] = useState<string>();
  const [failure, setFailure] = useState<string>();
  // The positions drawn on the page: data-layout="done" tells tests and the benchmark that the
  // drawing is complete (laid out, placed, in view, and painted).
  const [fitted, setFitted] = useState<Positions>();
  const drawnRef = useRef(false);
  const { setViewport } = useReactFlow();
  const compact = useStore(zoomedOut);
  const box = useRef<HTMLDivElement>(null);
  const boxSize = () => ({ width: box.current?.clientWidth || 800, height: box.current?.clientHeight || 600 });
  const [ends, setEnds] = useState<string[]>([]);
  const [focused, setFocused] = useState<string>();
  const [search, setSearch] = useState("");
  const [missing, setMissing] = useState<string>();
  const path = useMemo(() => (ends.length === 2 ? shortestPath(model, ends[0], ends[1]) : undefined), [model, ends]);

  // Laid out again only when nodes or edges come or go (or change size), not when a status changes.
  const shape = useMemo(() => {
    const nodes = [...model.nodes.values()].map((node) => ({ id: node.id, ...sizeOf(node) }));
    const edges = [...model.edges.values()].map(({ id, source, target }) => ({ id, source, target }));
    return { nodes, edges, key: JSON.stringify([nodes, edges.map((e) => e.id)]) };
  }, [model]);
  const shapeRef = useRef(shape);
  shapeRef.current = shape;
  // Read when a layout arrives, without laying out again when they change.
  const focusRef = useRef(focus);
  focusRef.current = focus;
  const modelRef = useRef(model);
  modelRef.current = model;

  useEffect(() => {
    let current = true;
    const { nodes, edges } = shapeRef.current;
    layout(nodes, edges)
      .then(({ positions: laid, engine: laidBy }) => {
        if (!current) return;
        performance.mark("knitgraph:laid-out");
        const target = focusRef.current ? findNode(modelRef.current, focusRef.current) : undefined;
        if (target) setFocused(target.id);
        // The first layout: the view is in place before the nodes come, so that they are drawn once.
        // A later one (an expansion) moves the view there smoothly.
        void setViewport(viewportFor(modelRef.current, laid, boxSize(), target), drawnRef.current ? { duration: 250 } : undefined);
        setPositions(laid);
        setEngine(laidBy);
      })
      .catch((error: unknown) => current && setFailure(error instanceof Error ? error.message : String(error)));
    return () => {
      current = false;
    };
  }, [shape.key]);

  const nodes = useMemo<FlowNode[]>(() => {
    if (!positions) return [];
    return [...model.nodes.values()].flatMap((node) => {
      const at = positions.get(node.id);
      if (!at) return [];
      const classes = [
        ends.includes(node.id) ? "path-end" : "",
        path ? (path.nodes.has(node.id) ? "on-path" : "off-path") : "",
        focused === node.id ? "focused" : "",
      ].filter(Boolean).join(" ");
      return [{
        id: node.id, type: node.kind, position: at, data: { node }, className: classes || undefined, handles: handlesOf(node),
        ...sizeOf(node),
      }];
    });
  }, [model, positions, ends, path, focused]);

  const edges = useMemo(() => {
    const shown = new Set(nodes.map((n) => n.id));
    const kept = [...model.edges.values()].filter((e) => shown.has(e.source) && shown.has(e.target));
    return kept.map((edge) => {
      const flow = flowEdge(edge, !compact && kept.length <= LABELLED_EDGES);
      if (path) flow.className += path.edges.has(edge.id) ? " on-path" : " off-path";
      return flow;
    });
  }, [model, nodes, path, compact]);

  const zoomTo = useCallback((node: GraphNode) => {
    if (!positions?.has(node.id)) return;
    setFocused(node.id);
    void setViewport(viewportFor(model, positions, boxSize(), node), { duration: 300 });
  }, [model, positions, setViewport]);

  // data-layout="done" once the browser has painted the placed nodes (a frame after they were
  // committed): what tests and the benchmark wait for.
  useEffect(() => {
    if (!positions) return undefined;
    let frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => setFitted(positions));
    });
    return () => cancelAnimationFrame(frame);
  }, [positions]);
  useEffect(() => {
    if (!fitted || fitted !== positions || drawnRef.current) return;
    drawnRef.current = true;
    performance.mark("knitgraph:drawn");  // read by `python -m bench console`
  }, [fitted, positions]);

  const actions = useMemo<GraphActions>(
    () => ({ expand, expanding, expanded: model.expanded, start: model.start }),
    [expand, expanding, model.expanded, model.start],
  );
  const open: NodeMouseHandler<FlowNode> = (event, node) => {
    if (!event.shiftKey) {
      onOpen(node.data.node);
      return;
    }
    // Shift-click picks the ends of a path: a third pick starts a new one.
    setEnds((picked) => (picked.length >= 2 ? [node.id] : picked.includes(node.id) ? picked : [...picked, node.id]));
  };
  const find = () => {
    const found = findNode(model, search);
    setMissing(found ? undefined : search);
    if (found) zoomTo(found);
  };

  return (
    <GraphActionsContext.Provider value={actions}>
      <div ref={box} className="graph" data-testid="graph" data-nodes={nodes.length} data-laid-out={positions ? "yes" : "no"} data-layout-engine={engine}
        data-layout={positions && fitted === positions ? "done" : "pending"}>
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
          minZoom={MIN_ZOOM}
          maxZoom={2}
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={(n) => MINIMAP_COLORS[(n as FlowNode).data.node.kind]} />
          <Panel position="top-left" className="graph-tools">
            <form role="search" onSubmit={(event) => { event.preventDefault(); find(); }}>
              <input aria-label="find node" placeholder="find id, tag or plan" value={search}
                onChange={(event) => setSearch(event.target.value)} />
            </form>
            <button type="button" className="button small" disabled={!positions}
              onClick={() => positions && saveText(`${exportName}.svg`, "image/svg+xml", graphSvg(model, positions))}>
              Export SVG
            </button>
            <button type="button" className="button small"
              onClick={() => saveText(`${exportName}.dot`, "text/vnd.graphviz", graphDot(model))}>
              Export dot
            </button>
            {missing && <span className="graph-note" role="status">Nothing matches “{missing}” here.</span>}
            {ends.length === 1 && <span className="graph-note" role="status">Shift-click another node for the path.</span>}
            {ends.length === 2 && (
              <span className="graph-note" role="status" data-testid="path-status">
                {path ? `Path: ${path.nodes.size} nodes` : "No path between them in what is loaded."}{" "}
                <button type="button" className="link-button" onClick={() => setEnds([])}>clear</button>
              </span>
            )}
          </Panel>
          {children}
        </ReactFlow>
      </div>
    </GraphActionsContext.Provider>
  );
}
