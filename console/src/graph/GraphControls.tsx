// The controls above a graph: depth, direction, node budget (and, for lineages, Run statuses);
// and the marker that says an answer was cut short.

import { Panel } from "@xyflow/react";
import type { RunStatus } from "../gql/graphql";
import { RUN_STATUSES } from "../status";

export const DEPTHS = ["1", "2", "3", "5", "10", "all"];
export const DEFAULT_DEPTH = "2";
export const DEFAULT_MAX_NODES = 300;

export interface GraphSettings {
  depth: string;
  upstream: boolean;
  downstream: boolean;
  maxNodes: number;
  statuses: RunStatus[];
}

/** The settings a URL's query string gives (depth=2&up=1&down=1&max=300&status=failed). */
export function readSettings(params: URLSearchParams): GraphSettings {
  const depth = params.get("depth") ?? DEFAULT_DEPTH;
  const max = Number(params.get("max") ?? DEFAULT_MAX_NODES);
  return {
    depth: DEPTHS.includes(depth) ? depth : DEFAULT_DEPTH,
    upstream: params.get("up") !== "0",
    downstream: params.get("down") !== "0",
    maxNodes: Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_NODES,
    statuses: params.getAll("status").filter((s): s is RunStatus => RUN_STATUSES.includes(s as RunStatus)),
  };
}

export function writeSettings(settings: GraphSettings): URLSearchParams {
  const params = new URLSearchParams({ depth: settings.depth });
  if (!settings.upstream) params.set("up", "0");
  if (!settings.downstream) params.set("down", "0");
  if (settings.maxNodes !== DEFAULT_MAX_NODES) params.set("max", String(settings.maxNodes));
  for (const status of settings.statuses) params.append("status", status);
  return params;
}

export function depthOf(settings: GraphSettings): number | null {
  return settings.depth === "all" ? null : Number(settings.depth);
}

export function GraphControls({ settings, onChange, withStatuses }: {
  settings: GraphSettings; onChange: (settings: GraphSettings) => void; withStatuses: boolean;
}) {
  return (
    <div className="filters graph-controls">
      <label>
        depth
        <select aria-label="depth" value={settings.depth} onChange={(e) => onChange({ ...settings, depth: e.target.value })}>
          {DEPTHS.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" aria-label="upstream" checked={settings.upstream}
          onChange={(e) => onChange({ ...settings, upstream: e.target.checked })} />
        upstream
      </label>
      <label className="check">
        <input type="checkbox" aria-label="downstream" checked={settings.downstream}
          onChange={(e) => onChange({ ...settings, downstream: e.target.checked })} />
        downstream
      </label>
      <label>
        at most
        <input type="number" aria-label="max nodes" min={1} className="narrow" defaultValue={settings.maxNodes}
          onKeyDown={(e) => e.key === "Enter" && onChange({ ...settings, maxNodes: Math.max(1, Number(e.currentTarget.value) || 1) })}
          onBlur={(e) => Number(e.currentTarget.value) !== settings.maxNodes && onChange({ ...settings, maxNodes: Math.max(1, Number(e.currentTarget.value) || 1) })} />
        nodes
      </label>
      {withStatuses && (
        <label>
          Runs
          <select aria-label="run status" value={settings.statuses[0] ?? ""}
            onChange={(e) => onChange({ ...settings, statuses: e.target.value ? [e.target.value as RunStatus] : [] })}>
            <option value="">in any status</option>
            {RUN_STATUSES.map((s) => <option key={s} value={s}>only {s}</option>)}
          </select>
        </label>
      )}
    </div>
  );
}

export function TruncatedMarker({ truncated, omitted, what, maxNodes }: {
  truncated: boolean; omitted: number; what: "Run" | "Plan"; maxNodes: number;
}) {
  if (!truncated) return null;
  const more = omitted > 0 ? `${omitted.toLocaleString("en")} more ${what}${omitted === 1 ? "" : "s"}` : "More nodes";
  return (
    <Panel position="top-center">
      <div className="truncated" role="status" data-testid="truncated">
        {more} — truncated: an answer stopped at {maxNodes} nodes. Raise “at most”, or expand a node.
      </div>
    </Panel>
  );
}

export function Legend({ kinds }: { kinds: ("data" | "run" | "plan")[] }) {
  return (
    <Panel position="bottom-center" className="legend-panel">
      <div className="legend">
        {kinds.includes("data") && <span><span className="swatch swatch-data" /> Data</span>}
        {kinds.includes("run") && <span><span className="swatch swatch-run" /> Run</span>}
        {kinds.includes("plan") && <span><span className="swatch swatch-plan" /> Plan</span>}
        <span>+ loads the neighbours · click opens the page · shift-click two nodes for the path</span>
      </div>
    </Panel>
  );
}
