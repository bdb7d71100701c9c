// A layered layout in near-linear time, for graphs too large for ELK to lay out in a blink: ELK's
// first layout on a page costs about a millisecond a node (its compiled code is still cold), this
// one a few milliseconds for a thousand. Left to right like ELK's: a node's layer is one past its
// furthest predecessor; layers are ordered by barycentre sweeps; along a layer, nodes sit as close
// as their order and spacing allow to the middle of their neighbours (least squares, solved exactly
// per layer by pool-adjacent-violators). Edges are not routed: the page draws them from the nodes.

import type { LayoutRequest } from "./layoutProtocol";

type Box = LayoutRequest["nodes"][number];
type Link = LayoutRequest["edges"][number];

export interface Spacing {
  betweenLayers: number;
  betweenNodes: number;
}

const SWEEPS = 4;
const BALANCING_PASSES = 5;

function least(values: ArrayLike<number>): number {
  let low = Infinity;
  for (let i = 0; i < values.length; i++) low = Math.min(low, values[i]);
  return low;
}

interface Graph {
  count: number;
  succ: number[][];
  pred: number[][];
}

function indexed(nodes: Box[], edges: Link[]): Graph {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const succ: number[][] = nodes.map(() => []);
  const pred: number[][] = nodes.map(() => []);
  for (const edge of edges) {
    const s = index.get(edge.source);
    const t = index.get(edge.target);
    if (s === undefined || t === undefined || s === t) continue;
    succ[s].push(t);
    pred[t].push(s);
  }
  return { count: nodes.length, succ, pred };
}

/** Longest path from the sources (a cycle's closing edge is ignored); then each source moves up to
 * just before its nearest successor, so that an input read late is drawn next to its reader. */
function layers(graph: Graph): number[] {
  const layer = new Array<number>(graph.count).fill(0);
  const waiting = graph.pred.map((p) => p.length);
  const done = new Array<boolean>(graph.count).fill(false);
  let queue = [...waiting.keys()].filter((i) => waiting[i] === 0);
  let placed = 0;
  while (placed < graph.count) {
    if (!queue.length) {
      // A cycle: its first unplaced node goes on as if the edges into it from the cycle were not there.
      const next = done.findIndex((d) => !d);
      queue = [next];
      waiting[next] = 0;
    }
    const following: number[] = [];
    for (const node of queue) {
      if (done[node]) continue;
      done[node] = true;
      placed++;
      for (const s of graph.succ[node]) {
        if (done[s]) continue;
        layer[s] = Math.max(layer[s], layer[node] + 1);
        if (--waiting[s] === 0) following.push(s);
      }
    }
    queue = following;
  }
  for (let i = 0; i < graph.count; i++) {
    if (graph.pred[i].length || !graph.succ[i].length) continue;
    layer[i] = least(graph.succ[i].map((s) => layer[s])) - 1;
  }
  const lowest = least(layer);
  return layer.map((l) => l - lowest);
}

/** The nodes of each layer in order: first as met walking the graph from its sources in the given
 * order, then by the mean position of their neighbours in the layer before (down) or after (up). */
function orders(graph: Graph, layer: number[]): number[][] {
  const rows: number[][] = [];
  const seen = new Array<boolean>(graph.count).fill(false);
  const visit = (start: number) => {
    const stack = [start];
    while (stack.length) {
      const node = stack.pop()!;
      if (seen[node]) continue;
      seen[node] = true;
      (rows[layer[node]] ??= []).push(node);
      for (const s of [...graph.succ[node]].reverse()) if (!seen[s]) stack.push(s);
    }
  };
  for (let i = 0; i < graph.count; i++) if (!graph.pred[i].length) visit(i);
  for (let i = 0; i < graph.count; i++) visit(i);
  for (let l = 0; l < rows.length; l++) rows[l] ??= [];

  const rank = new Float64Array(graph.count);
  const rankRows = () => rows.forEach((row) => row.forEach((node, k) => { rank[node] = k / Math.max(1, row.length); }));
  rankRows();
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    const neighbours = down ? graph.pred : graph.succ;
    const sequence = down ? rows.keys() : [...rows.keys()].reverse();
    for (const l of sequence) {
      const row = rows[l];
      const key = new Map<number, number>();
      for (const node of row) {
        const near = neighbours[node];
        key.set(node, near.length ? near.reduce((sum, n) => sum + rank[n], 0) / near.length : rank[node]);
      }
      row.sort((a, b) => key.get(a)! - key.get(b)! || rank[a] - rank[b]);
      row.forEach((node, k) => { rank[node] = k / Math.max(1, row.length); });
    }
  }
  return rows;
}

/** Positions along one layer closest (in least squares) to `wanted`, in the row's order, with
 * `gap` between neighbours: pool-adjacent-violators on the positions less each node's least offset. */
function placeRow(row: number[], wanted: Float64Array, size: number[], gap: number, into: Float64Array): void {
  const offset: number[] = [];
  let at = 0;
  for (const node of row) {
    offset.push(at);
    at += size[node] + gap;
  }
  // Blocks of neighbours pushed together: their start, length and mean target.
  const start: number[] = [];
  const length: number[] = [];
  const mean: number[] = [];
  row.forEach((node, k) => {
    start.push(k);
    length.push(1);
    mean.push(wanted[node] - offset[k]);
    while (mean.length > 1 && mean[mean.length - 2] > mean[mean.length - 1]) {
      const m = mean.pop()!, n = length.pop()!;
      start.pop();
      const total = length[length.length - 1] + n;
      mean[mean.length - 1] = (mean[mean.length - 1] * length[length.length - 1] + m * n) / total;
      length[length.length - 1] = total;
    }
  });
  mean.forEach((m, b) => {
    for (let k = start[b]; k < start[b] + length[b]; k++) into[row[k]] = m + offset[k];
  });
}

export function layeredLayout(nodes: Box[], edges: Link[], spacing: Spacing): { id: string; x: number; y: number }[] {
  if (!nodes.length) return [];
  const graph = indexed(nodes, edges);
  const layer = layers(graph);
  const rows = orders(graph, layer);
  const height = nodes.map((n) => n.height);

  // Across: each layer as wide as its widest node.
  const layerX: number[] = [];
  let x = 0;
  for (const row of rows) {
    layerX.push(x);
    x += -least(row.map((node) => -nodes[node].width)) + spacing.betweenLayers;
  }

  // Along: stacked first, then drawn towards the middle of their neighbours, ending towards the
  // layers after (a parent centred on its children).
  const top = new Float64Array(graph.count);
  const wanted = new Float64Array(graph.count);
  for (const row of rows) placeRow(row, new Float64Array(graph.count), height, spacing.betweenNodes, top);
  const centre = (node: number) => top[node] + height[node] / 2;
  for (let pass = 0; pass < BALANCING_PASSES; pass++) {
    const towardsBefore = (BALANCING_PASSES - 1 - pass) % 2 === 1;
    const neighbours = towardsBefore ? graph.pred : graph.succ;
    const sequence = towardsBefore ? [...rows.keys()] : [...rows.keys()].reverse();
    for (const l of sequence) {
      for (const node of rows[l]) {
        const near = neighbours[node];
        wanted[node] = near.length ? near.reduce((sum, n) => sum + centre(n), 0) / near.length - height[node] / 2 : top[node];
      }
      placeRow(rows[l], wanted, height, spacing.betweenNodes, top);
    }
  }

  const lowest = least(top);
  return nodes.map((n, i) => ({ id: n.id, x: layerX[layer[i]], y: top[i] - lowest }));
}
