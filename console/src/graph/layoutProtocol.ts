// The messages between the page and the layout worker.

export interface LayoutRequest {
  id: number;
  nodes: { id: string; width: number; height: number }[];
  edges: { id: string; source: string; target: string }[];
}

export type LayoutReply =
  | { id: number; positions: { id: string; x: number; y: number }[]; error?: undefined }
  | { id: number; error: string; positions?: undefined };
