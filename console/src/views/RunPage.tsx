// /runs/<runId>: a Run's status, inputs, outputs, log (live while it runs), timings, exit and
// executor; stop, abort and retry.

import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { request } from "../api/client";
import { RetryRun, RunPage as RunPageQuery, StopRun } from "../api/operations";
import { useAction, useQuery, useRefreshWhile } from "../api/useQuery";
import { Empty, Facts, Id, Loading, Section, StatusBadge, Tags, Time } from "../components/bits";
import { ActionError, ErrorView } from "../components/ErrorView";
import { LogPanel } from "../components/LogPanel";
import { MetricsTable } from "../components/MetricsTable";
import { formatDuration, planTitle, planWhat } from "../format";
import { RETRIABLE, STOPPABLE, UNFINISHED } from "../status";

// While a Run moves, its status is asked again this often (the log itself streams).
const REFRESH_MS = 2000;

type RunFacts = { supersededBy?: string | null; supersedes?: string | null; supersededAt?: string | null;
  notBefore?: string | null };

// What automation did to the Run: a rerun superseded it (or a Run upstream), it runs another again,
// or it waits for its retry's backoff.
function automationFacts(run: RunFacts): [string, ReactNode][] {
  const facts: [string, ReactNode][] = [];
  if (run.supersededBy) facts.push(["Superseded by", <Id id={run.supersededBy} to={`/runs/${run.supersededBy}`} />]);
  else if (run.supersededAt) facts.push(["Superseded", <span>a Run upstream ran again, <Time at={run.supersededAt} /></span>]);
  if (run.supersedes) facts.push(["Runs again", <Id id={run.supersedes} to={`/runs/${run.supersedes}`} />]);
  if (run.notBefore) facts.push(["Next attempt", <Time at={run.notBefore} />]);
  return facts;
}

export function RunPage() {
  const { runId = "" } = useParams();
  const query = useQuery(RunPageQuery, { runId });
  const action = useAction();
  const status = query.data?.run.status;
  const moving = status !== undefined && UNFINISHED.has(status) && status !== "deactivated";
  useRefreshWhile(moving, query.reload, REFRESH_MS);

  if (query.error) return <ErrorView error={query.error} back={{ to: "/runs", label: "Back to Runs" }} />;
  if (!query.data) return <Loading what={`Run ${runId}`} />;
  const run = query.data.run;

  const stop = (fail: boolean) =>
    action.run(async () => {
      const answer = await request(StopRun, { runId, fail });
      query.setData({ run: answer.stopRun });
    });
  const retry = () =>
    action.run(async () => {
      const answer = await request(RetryRun, { runId });
      query.setData({ run: answer.retryRun });
    });

  // A lineage starts at a Data: the Run's first output (or log, or input).
  const anchor = (run.outputs[0] ?? run.log ?? run.inputs[0])?.knitId;
  return (
    <div className="view">
      <header className="view-header">
        <div className="crumbs"><Link to="/runs">Runs</Link> /</div>
        <h1>
          Run <code className="id-full">{run.runId}</code> <StatusBadge status={run.status} />
        </h1>
        <div className="view-actions">
          {STOPPABLE.has(run.status) && (
            <>
              <button type="button" className="button" disabled={action.pending} onClick={() => void stop(false)}
                title="End the Run now; its outputs count as done">
                Stop
              </button>
              <button type="button" className="button danger" disabled={action.pending} onClick={() => void stop(true)}
                title="End the Run now; its outputs are failed">
                Abort
              </button>
            </>
          )}
          {RETRIABLE.has(run.status) && (
            <button type="button" className="button" disabled={action.pending} onClick={() => void retry()}
              title="Run it again: new outputs, same runId">
              Retry
            </button>
          )}
        </div>
        <ActionError error={action.error} />
      </header>

      <div className="grid">
        <Section title="Run">
          <Facts rows={[
            ["Plan", <><Link to={`/plans/${run.plan.planId}`}>{planTitle(run.plan)}</Link>{" "}
              {planWhat(run.plan) && planTitle(run.plan) !== planWhat(run.plan) && <code>{planWhat(run.plan)}</code>}</>],
            ["Status", <StatusBadge status={run.status} />],
            ["Exit", run.exit ? <span data-testid="run-exit">{run.exit.code}{run.exit.message && ` — ${run.exit.message}`}</span> : "—"],
            ["Executor", run.executor ?? "—"],
            ...automationFacts(run),
          ]} />
        </Section>
        <Section title="Timings">
          <Facts rows={[
            ["Taken", <Time at={run.readyAt} />],
            ["Started", <Time at={run.startedAt} />],
            ["Finished", <Time at={run.finishedAt} />],
            ["Last update", <Time at={run.updatedAt} />],
            ["Took", <span data-testid="run-took">{run.finishedAt ? formatDuration(run.startedAt ?? run.readyAt, run.finishedAt)
              : UNFINISHED.has(run.status) ? "still going" : "—"}</span>],
          ]} />
        </Section>
      </div>

      <div className="grid">
        <Section title="Inputs">
          {run.inputs.length === 0 ? <Empty>No inputs: its Data were uploaded.</Empty> : (
            <ul className="plain-list" data-testid="run-inputs">
              {run.inputs.map((input) => (
                <li key={input.path}>
                  <code>{input.path}</code> ← <Id id={input.knitId} to={`/data/${input.knitId}`} /> <Tags tags={input.tags} />
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Outputs">
          {run.outputs.length === 0 && !run.log ? <Empty>No outputs.</Empty> : (
            <ul className="plain-list" data-testid="run-outputs">
              {run.outputs.map((output) => (
                <li key={output.path}>
                  <code>{output.path}</code> → <Id id={output.knitId} to={`/data/${output.knitId}`} /> <Tags tags={output.tags} />
                </li>
              ))}
              {run.log && (
                <li>
                  <span className="muted">(log)</span> → <Id id={run.log.knitId} to={`/data/${run.log.knitId}`} /> <Tags tags={run.log.tags} />
                </li>
              )}
            </ul>
          )}
          {run.metrics.length > 0 && <MetricsTable metrics={run.metrics} />}
        </Section>
      </div>

      <Section title="Log" actions={anchor && <Link to={`/lineage/${anchor}`}>Lineage</Link>}>
        {run.log ? (
          <LogPanel runId={run.runId} status={run.status} onEnded={query.reload} />
        ) : (
          <Empty>This Run's plan keeps no log (its plan has no <code>log:</code>).</Empty>
        )}
      </Section>

      {run.attempts.length > 0 && (
        <Section title="Earlier attempts">
          <ul className="plain-list" data-testid="run-attempts">
            {run.attempts.map((a) => (
              <li key={a.number}>
                <strong>attempt {a.number}</strong>: exit {a.exit.code}{a.exit.message && ` — ${a.exit.message}`},{" "}
                ended <Time at={a.finishedAt} />{a.logFile && <> (log: <code>{a.logFile}</code> in the log Data)</>}
              </li>
            ))}
          </ul>
        </Section>
      )}

      <Section title="History">
        {run.history.length === 0 ? <Empty>Nobody stopped or retried it.</Empty> : (
          <ul className="plain-list history">
            {run.history.map((h, index) => (
              <li key={index}><strong>{h.action}</strong> by {h.by}, <Time at={h.at} /></li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
