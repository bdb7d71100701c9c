// The messages between the page and the layout worker.

export interface LayoutRequest {
  id: number;
  nodes: { id: string; width: number; height: number }[];
  edges: { id: string; source: string; target: string }[];
}

/** Which layout placed the nodes: ELK for most graphs, the linear-time one past LARGE_GRAPH nodes. */
export type LayoutEngine = "elk" | "layered";

export type LayoutReply =
  | { id: number; positions: { id: string; x: number; y: number }[]; engine: LayoutEngine; error?: undefined }
  | { id: number; error: string; positions?: undefined };
