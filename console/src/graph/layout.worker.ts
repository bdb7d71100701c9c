// ELK's layered layout, off the page's main thread: the page stays responsive while a large
// graph is laid out.

import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api";
import type { LayoutReply, LayoutRequest } from "./layoutProtocol";

const elk = new ELK();

const OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": "100",
  "elk.spacing.nodeNode": "28",
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

// ELK is compiled Java: its first layout runs mostly in the interpreter. A small lineage laid
// out as soon as the worker starts (while the page still waits for its query) warms it up, and
// the page's own layout, queued behind it, runs at full speed.
function warmUp(): Promise<unknown> {
  const nodes: LayoutRequest["nodes"] = [{ id: "d", width: 230, height: 80 }];
  const edges: LayoutRequest["edges"] = [];
  for (let i = 0; i < 12; i++) {
    nodes.push({ id: `r${i}`, width: 250, height: 80 }, { id: `o${i}`, width: 230, height: 80 });
    edges.push({ id: `i${i}`, source: i % 3 ? `o${i - 1}` : "d", target: `r${i}` }, { id: `w${i}`, source: `r${i}`, target: `o${i}` });
  }
  return elk.layout(elkGraph(nodes, edges)).catch(() => undefined);
}

const warm = warmUp();

self.onmessage = async (event: MessageEvent<LayoutRequest>) => {
  const { id, nodes, edges } = event.data;
  let reply: LayoutReply;
  try {
    await warm;
    const laid = await elk.layout(elkGraph(nodes, edges));
    reply = { id, positions: (laid.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0 })) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  (self as unknown as Worker).postMessage(reply);
};
