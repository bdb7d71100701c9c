// A graph that starts from one answer and grows: each expansion asks one query around a node and
// merges what it finds.

import { useCallback, useEffect, useState } from "react";
import { asApiError, type ApiError } from "../api/errors";
import type { GraphModel } from "./model";

export function useExpandable(initial: GraphModel | undefined, load: (nodeId: string, model: GraphModel) => Promise<GraphModel>) {
  const [model, setModel] = useState<GraphModel | undefined>(initial);
  const [expanding, setExpanding] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    setModel(initial);
    setError(undefined);
  }, [initial]);

  const expand = useCallback((nodeId: string) => {
    if (!model) return;
    setExpanding((busy) => new Set(busy).add(nodeId));
    load(nodeId, model)
      .then((grown) => setModel((current) => (current && current.start === grown.start ? mergeModels(current, grown) : current)))
      .catch((thrown: unknown) => setError(asApiError(thrown)))
      .finally(() => setExpanding((busy) => {
        const next = new Set(busy);
        next.delete(nodeId);
        return next;
      }));
  }, [model, load]);

  return { model, expand, expanding, error };
}

/** Both models' nodes and edges: two expansions that end in either order keep each other's nodes. */
function mergeModels(current: GraphModel, grown: GraphModel): GraphModel {
  return {
    start: current.start,
    nodes: new Map([...current.nodes, ...grown.nodes]),
    edges: new Map([...current.edges, ...grown.edges]),
    truncated: current.truncated || grown.truncated,
    expanded: new Set([...current.expanded, ...grown.expanded]),
  };
}
