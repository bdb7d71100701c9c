// The shortest path between two nodes of the loaded graph, edges taken in either direction (a
// lineage question is "how are these two related", whichever way the Data flowed).

import type { GraphModel } from "./model";

export interface GraphPath {
  nodes: Set<string>;
  edges: Set<string>;
}

/** Breadth-first from ``from``; undefined when ``to`` cannot be reached in the loaded graph. */
export function shortestPath(model: GraphModel, from: string, to: string): GraphPath | undefined {
  const around = new Map<string, { node: string; edge: string }[]>();
  for (const edge of model.edges.values()) {
    for (const [one, other] of [[edge.source, edge.target], [edge.target, edge.source]]) {
      const list = around.get(one) ?? [];
      list.push({ node: other, edge: edge.id });
      around.set(one, list);
    }
  }
  const came = new Map<string, { node: string; edge: string } | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length && !came.has(to); head += 1) {
    const current = queue[head];
    for (const next of around.get(current) ?? []) {
      if (came.has(next.node)) continue;
      came.set(next.node, { node: current, edge: next.edge });
      queue.push(next.node);
    }
  }
  if (!came.has(to)) return undefined;
  const path: GraphPath = { nodes: new Set([to]), edges: new Set() };
  for (let step = came.get(to); step; step = came.get(step.node)) {
    path.nodes.add(step.node);
    path.edges.add(step.edge);
  }
  return path;
}
