// The graph's layout, off the page's main thread: the page stays responsive while a large graph is
// laid out. ELK's layered layout, or past LARGE_GRAPH nodes the linear-time one of layered.ts.

import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api";
import { layeredLayout } from "./layered";
import type { LayoutReply, LayoutRequest } from "./layoutProtocol";

// Past this many nodes, ELK's first layout on a page takes longer than a user should wait (about a
// millisecond a node): the linear-time layered layout takes over.
const LARGE_GRAPH = 300;
const SPACING = { betweenLayers: 100, betweenNodes: 28 };

const elk = new ELK();

const OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": String(SPACING.betweenLayers),
  "elk.spacing.nodeNode": String(SPACING.betweenNodes),
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.crossingMinimization.strategy": "LAYER_SWEEP",
  "elk.separateConnectedComponents": "true",
  "elk.spacing.componentComponent": "60",
  // React Flow draws every edge from the nodes' handles (one on each side): ELK's routes are never
  // read, so the cheapest routing is asked for, and the edges at a node share one port, as they do
  // on the page. Together about a fifth off a large layout.
  "elk.edgeRouting": "POLYLINE",
  "elk.layered.mergeEdges": "true",
};

function elkGraph(nodes: LayoutRequest["nodes"], edges: LayoutRequest["edges"]): ElkNode {
  return {
    id: "root",
    layoutOptions: OPTIONS,
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

// No warm-up layout: on two cores it competed with the API server answering the page's query, and
// a page laid out sooner without it (docs/console.md).
self.onmessage = async (event: MessageEvent<LayoutRequest>) => {
  const { id, nodes, edges } = event.data;
  let reply: LayoutReply;
  try {
    if (nodes.length > LARGE_GRAPH) {
      reply = { id, positions: layeredLayout(nodes, edges, SPACING), engine: "layered" };
    } else {
      const laid = await elk.layout(elkGraph(nodes, edges));
      reply = { id, positions: (laid.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0 })), engine: "elk" };
    }
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  (self as unknown as Worker).postMessage(reply);
};
