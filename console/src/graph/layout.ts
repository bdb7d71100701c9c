// Asks the layout worker (one per page, started with the app) where every node goes.

import type { LayoutEngine, LayoutReply, LayoutRequest } from "./layoutProtocol";

export type Positions = Map<string, { x: number; y: number }>;

export interface Laid {
  positions: Positions;
  engine: LayoutEngine;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (laid: Laid) => void; reject: (e: Error) => void }>();

function layoutWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module", name: "layout" });
    worker.onmessage = (event: MessageEvent<LayoutReply>) => {
      const reply = event.data;
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (!waiting) return;
      if (reply.positions) waiting.resolve({ positions: new Map(reply.positions.map((p) => [p.id, { x: p.x, y: p.y }])), engine: reply.engine });
      else waiting.reject(new Error(`the graph could not be laid out: ${reply.error}`));
    };
    worker.onerror = (event) => {
      for (const waiting of pending.values()) waiting.reject(new Error(`the layout worker failed: ${event.message}`));
      pending.clear();
      worker = undefined;
    };
  }
  return worker;
}

/** Starts the worker (loading ELK's script) while the app starts and a graph's query is on its way. */
export function startLayout(): void {
  layoutWorker();
}

export function layout(nodes: LayoutRequest["nodes"], edges: LayoutRequest["edges"]): Promise<Laid> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    layoutWorker().postMessage({ id, nodes, edges } satisfies LayoutRequest);
  });
}
