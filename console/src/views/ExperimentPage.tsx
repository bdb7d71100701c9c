// /experiments/<name>?metric=&x=: the compare view of an experiment: a column per pipeline run
// with its status, parameters and metrics, and one metric across the runs as a chart.

import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { Experiment as ExperimentQuery } from "../api/operations";
import { useQuery, useRefreshWhile } from "../api/useQuery";
import { Id, Loading, Section, Time } from "../components/bits";
import { ErrorView } from "../components/ErrorView";
import { type ChartPoint, MetricChart } from "../components/MetricChart";
import { formatMetric } from "../format";

// While a pipeline run is running, the view asks again this often.
const REFRESH_MS = 3000;
const TONES: Record<string, string> = { done: "good", failed: "bad", running: "active", incomplete: "muted" };

export function ExperimentPage() {
  const { name = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const query = useQuery(ExperimentQuery, { experiment: name });
  const runs = useMemo(() => query.data?.pipelineRuns ?? [], [query.data]);
  const moving = runs.some((r) => r.status === "running");
  useRefreshWhile(moving, query.reload, REFRESH_MS);

  const parameterNames = useMemo(() => [...new Set(runs.flatMap((r) => r.parameters.map((p) => p.name)))].sort(), [runs]);
  const metricNames = useMemo(() => [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.name)))].sort(), [runs]);
  const valueOf = (run: (typeof runs)[number], parameter: string) => run.parameters.find((p) => p.name === parameter)?.value;
  const metricOf = (run: (typeof runs)[number], metric: string) => run.metrics.find((m) => m.name === metric)?.value;
  const numericParameters = parameterNames.filter((p) => runs.every((r) => !Number.isNaN(Number(valueOf(r, p)))));

  const metric = params.get("metric") ?? metricNames[0] ?? "";
  const axis = params.get("x") ?? "order";
  const points: ChartPoint[] = runs.flatMap((run, index) => {
    const y = metricOf(run, metric);
    const x = axis === "order" ? index : Number(valueOf(run, axis));
    return y === undefined || Number.isNaN(x) ? [] : [{ id: run.knitId, x, y, label: axis === "order" ? `run ${index + 1}` : `${axis} ${valueOf(run, axis)}` }];
  });

  function choose(key: string, value: string) {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  }

  if (query.error) return <ErrorView error={query.error} back={{ to: "/experiments", label: "All experiments" }} />;
  if (!query.data) return <Loading what={`experiment ${name}`} />;
  if (runs.length === 0) {
    return (
      <div className="view not-found" data-testid="not-found">
        <h1>No experiment {name}</h1>
        <p>No pipeline run carries the tag <code>experiment:{name}</code>.
          Start one with <code>knit pipeline run PIPELINE --experiment {name}</code>.</p>
        <p><Link to="/experiments">All experiments</Link></p>
      </div>
    );
  }

  const differs = (parameter: string) => new Set(runs.map((r) => valueOf(r, parameter))).size > 1;
  return (
    <div className="view">
      <header className="view-header">
        <div className="crumbs"><Link to="/experiments">Experiments</Link> /</div>
        <h1>Experiment <code>{name}</code></h1>
        <p className="muted">
          {runs.length} pipeline run{runs.length === 1 ? "" : "s"} of {[...new Set(runs.map((r) => r.pipeline))].join(", ")}.
          Parameters that differ are highlighted; a metric is named <code>step.metric</code>.
        </p>
      </header>

      <Section title="Compare">
        <div className="table-scroll">
          <table className="table compare" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">pipeline run</th>
                {runs.map((run) => (
                  <th key={run.knitId} scope="col" data-run={run.knitId}>
                    <Id id={run.knitId} to={`/data/${run.knitId}`} />{" "}
                    <Link to={`/lineage/${run.knitId}`} className="muted">lineage</Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">status</th>
                {runs.map((run) => (
                  <td key={run.knitId} data-field="status">
                    <span className={`status status-${TONES[run.status] ?? "neutral"}`}>
                      <span className="status-dot" aria-hidden="true" />{run.status}
                    </span>{" "}
                    <span className="muted">{new Set(run.runs.filter((r) => r.run.status === "done").map((r) => r.step)).size}/{run.steps} steps</span>
                  </td>
                ))}
              </tr>
              <tr>
                <th scope="row">started</th>
                {runs.map((run) => <td key={run.knitId}><Time at={run.createdAt} /></td>)}
              </tr>
              <tr className="compare-section"><th colSpan={runs.length + 1}>parameters</th></tr>
              {parameterNames.map((parameter) => (
                <tr key={parameter} className={differs(parameter) ? "differs" : undefined} data-parameter={parameter}>
                  <th scope="row">{parameter}</th>
                  {runs.map((run) => <td key={run.knitId}><code>{valueOf(run, parameter) ?? "—"}</code></td>)}
                </tr>
              ))}
              <tr className="compare-section"><th colSpan={runs.length + 1}>metrics</th></tr>
              {metricNames.map((name) => (
                <tr key={name} data-metric={name} className={name === metric ? "chosen" : undefined}>
                  <th scope="row">
                    <button type="button" className="as-link" onClick={() => choose("metric", name)} title="Chart it">{name}</button>
                  </th>
                  {runs.map((run) => {
                    const value = metricOf(run, name);
                    return <td key={run.knitId} className="number" title={value === undefined ? undefined : String(value)}>
                      {value === undefined ? "—" : formatMetric(value)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      {metricNames.length > 0 && (
        <Section title="Metric across runs" actions={
          <div className="filters">
            <select aria-label="metric" value={metric} onChange={(event) => choose("metric", event.target.value)}>
              {metricNames.map((name) => <option key={name} value={name}>{name}</option>)}
            </select>
            <select aria-label="x axis" value={axis} onChange={(event) => choose("x", event.target.value)}>
              <option value="order">by run (oldest first)</option>
              {numericParameters.map((p) => <option key={p} value={p}>by {p}</option>)}
            </select>
          </div>
        }>
          <MetricChart points={points} metric={metric} xLabel={axis === "order" ? "pipeline run, oldest first" : axis}
            joined={axis === "order"} />
        </Section>
      )}
    </div>
  );
}
