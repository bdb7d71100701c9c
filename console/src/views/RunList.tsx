// /runs?plan=&status=&in=&out=&since=&duration=: Runs filtered by plan, status, the Data they read
// or wrote, and time.

import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { RunList as RunListQuery } from "../api/operations";
import { useQuery } from "../api/useQuery";
import { Empty, Id, Loading, StatusBadge, Time } from "../components/bits";
import { ErrorView } from "../components/ErrorView";
import { TimeRange } from "../components/TimeRange";
import { planTitle } from "../format";
import type { RunStatus } from "../gql/graphql";
import { RUN_STATUSES } from "../status";

const SHOWN = 500;

function listOrNull<T>(values: T[]): T[] | null {
  return values.length ? values : null;
}

export function RunList() {
  const [params, setParams] = useSearchParams();
  const plans = params.getAll("plan");
  const statuses = params.getAll("status").filter((s): s is RunStatus => RUN_STATUSES.includes(s as RunStatus));
  const inputs = params.getAll("in");
  const outputs = params.getAll("out");
  const since = params.get("since") ?? "";
  const duration = params.get("duration") ?? "";
  const query = useQuery(RunListQuery, {
    planIds: listOrNull(plans), statuses: listOrNull(statuses), inKnitIds: listOrNull(inputs),
    outKnitIds: listOrNull(outputs), since: since || null, duration: since && duration ? duration : null,
  });
  const rows = useMemo(() => [...(query.data?.findRuns ?? [])].reverse(), [query.data]);

  function update(key: string, values: string[]) {
    const next = new URLSearchParams(params);
    next.delete(key);
    for (const value of values) if (value) next.append(key, value);
    setParams(next);
  }

  function toggleStatus(status: RunStatus) {
    update("status", statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status]);
  }

  const filtered = plans.length + inputs.length + outputs.length > 0;
  return (
    <div className="view">
      <header className="view-header">
        <h1>Runs</h1>
        <p className="muted">Most recently updated first.</p>
      </header>
      <div className="filters" role="search">
        <div className="status-filter" role="group" aria-label="status">
          {RUN_STATUSES.map((status) => (
            <label key={status} className={statuses.includes(status) ? "chip-toggle on" : "chip-toggle"}>
              <input type="checkbox" checked={statuses.includes(status)} onChange={() => toggleStatus(status)} />
              {status}
            </label>
          ))}
        </div>
        <IdFilter label="plan id" value={plans[0]} onChange={(id) => update("plan", [id])} />
        <IdFilter label="reads knit#id" value={inputs[0]} onChange={(id) => update("in", [id])} />
        <IdFilter label="wrote knit#id" value={outputs[0]} onChange={(id) => update("out", [id])} />
        <TimeRange since={since} duration={duration} onChange={(s, d) => {
          const next = new URLSearchParams(params);
          next.delete("since");
          next.delete("duration");
          if (s) next.set("since", s);
          if (s && d) next.set("duration", d);
          setParams(next);
        }} />
      </div>
      {filtered && (
        <p className="active-filters">
          {plans.map((p) => <span key={p} className="filter-chip">plan <code>{p}</code></span>)}
          {inputs.map((k) => <span key={k} className="filter-chip">reads <Id id={k} to={`/data/${k}`} /></span>)}
          {outputs.map((k) => <span key={k} className="filter-chip">wrote <Id id={k} to={`/data/${k}`} /></span>)}
          <Link to="/runs">clear</Link>
        </p>
      )}
      {query.error ? (
        <ErrorView error={query.error} back={{ to: "/runs", label: "All Runs" }} />
      ) : !query.data ? (
        <Loading what="Runs" />
      ) : rows.length === 0 ? (
        <Empty>No Run matches.</Empty>
      ) : (
        <>
          <p className="count">
            {rows.length} Run{rows.length === 1 ? "" : "s"}{rows.length > SHOWN && `, the latest ${SHOWN} shown`}
            {query.loading && <span className="muted"> · refreshing…</span>}
          </p>
          <table className="table" data-testid="run-table">
            <thead>
              <tr><th>Run</th><th>Status</th><th>Plan</th><th>Updated</th><th>Exit</th><th>Executor</th></tr>
            </thead>
            <tbody>
              {rows.slice(0, SHOWN).map((run) => (
                <tr key={run.runId} data-run-id={run.runId}>
                  <td><Id id={run.runId} to={`/runs/${run.runId}`} /></td>
                  <td><StatusBadge status={run.status} /></td>
                  <td><Link to={`/plans/${run.plan.planId}`}>{planTitle(run.plan)}</Link></td>
                  <td><Time at={run.updatedAt} /></td>
                  <td>{run.exit ? <span title={run.exit.message}>{run.exit.code} {run.exit.message}</span> : "—"}</td>
                  <td>{run.executor ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

/** An id typed into the filters: applied on Enter or when the field is left. */
function IdFilter({ label, value = "", onChange }: { label: string; value?: string; onChange: (id: string) => void }) {
  return (
    <input aria-label={label} placeholder={label} defaultValue={value} key={value}
      onKeyDown={(event) => {
        if (event.key === "Enter") onChange(event.currentTarget.value.trim());
      }}
      onBlur={(event) => event.currentTarget.value.trim() !== value && onChange(event.currentTarget.value.trim())} />
  );
}
