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

  /** A newer answer of the first query: its nodes (fresher statuses, new Runs) join the view. */
  const refresh = useCallback((fresh: GraphModel) => {
    setModel((current) => (current && current.start === fresh.start ? mergeModels(current, fresh) : current));
  }, []);

  return { model, expand, expanding, error, refresh };
}

/** Both models' nodes and edges, the grown one's nodes winning: two expansions that end in either
 * order keep each other's nodes, and a refresh brings newer statuses. */
function mergeModels(current: GraphModel, grown: GraphModel): GraphModel {
  return {
    start: current.start,
    nodes: new Map([...current.nodes, ...grown.nodes]),
    edges: new Map([...current.edges, ...grown.edges]),
    truncated: current.truncated || grown.truncated,
    omitted: grown.omitted,  // a refresh of the view's query knows best; an expansion keeps it
    expanded: new Set([...current.expanded, ...grown.expanded]),
  };
}
