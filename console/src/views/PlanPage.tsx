// /plans/<planId>: a Plan's spec, how its Runs execute here, its active switch, its neighbours
// and its Runs.

import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { request } from "../api/client";
import { PlanPage as PlanPageQuery, SetPlanActive } from "../api/operations";
import { useAction, useQuery } from "../api/useQuery";
import { Empty, Facts, Id, Loading, Section, StatusBadge, Tags, Time } from "../components/bits";
import { ActionError, ErrorView } from "../components/ErrorView";
import { planName, planTitle } from "../format";
import type { ConsolePlanFragment } from "../gql/graphql";
import { toYaml, type YamlValue } from "../yaml";

function specOf(plan: ConsolePlanFragment): YamlValue {
  return {
    image: plan.image ?? undefined,
    entrypoint: plan.entrypoint ?? undefined,
    args: plan.args ?? undefined,
    inputs: plan.inputs.map((i) => ({ path: i.path, tags: i.tags })),
    outputs: plan.outputs.map((o) => ({ path: o.path, tags: o.tags })),
    log: plan.log ? { tags: plan.log.tags } : undefined,
    active: plan.active,
    resources: (plan.resources ?? undefined) as YamlValue,
    on_node: plan.on_node ?? undefined,
    service_account: plan.service_account ?? undefined,
    annotations: plan.annotations,
  };
}

export function PlanPage() {
  const { planId = "" } = useParams();
  const query = useQuery(PlanPageQuery, { planId, planIds: [planId] });
  const switching = useAction();
  const yaml = useMemo(() => (query.data ? toYaml(specOf(query.data.plan)) : ""), [query.data]);

  if (query.error) return <ErrorView error={query.error} back={{ to: "/plans", label: "Back to Plans" }} />;
  if (!query.data) return <Loading what={`Plan ${planId}`} />;
  const { plan, planExecution: execution } = query.data;
  const runs = [...query.data.findRuns].reverse();

  const setActive = (active: boolean) =>
    switching.run(async () => {
      const answer = await request(SetPlanActive, { planId, active });
      query.setData({ ...query.data!, plan: answer.setPlanActive });
    });

  const upstreams = plan.inputs.flatMap((input) => input.upstreams.map((u) => ({ ...u, to: input.path })));
  const downstreams = [
    ...plan.outputs.flatMap((output) => output.downstreams.map((d) => ({ ...d, from: output.path }))),
    ...(plan.log?.downstreams ?? []).map((d) => ({ ...d, from: "(log)" })),
  ];
  const resources = Object.entries((plan.resources ?? {}) as Record<string, unknown>);

  return (
    <div className="view">
      <header className="view-header">
        <div className="crumbs"><Link to="/plans">Plans</Link> /</div>
        <h1>
          {planName(plan) ?? "Plan"} <code className="id-full">{plan.planId}</code>
        </h1>
        <div className="view-actions">
          <label className="switch" title="An inactive Plan's new Runs wait until it is active again">
            <input type="checkbox" role="switch" aria-label="active" checked={plan.active} disabled={switching.pending || !!plan.name}
              onChange={(event) => void setActive(event.target.checked)} />
            <span className="switch-track" aria-hidden="true" />
            <span data-testid="plan-active">{plan.active ? "active" : "inactive"}</span>
          </label>
          <Link to={`/plans/${plan.planId}/graph`} className="button">Plan graph</Link>
          <Link to={`/runs?plan=${plan.planId}`} className="button">Its Runs</Link>
        </div>
        <ActionError error={switching.error} />
      </header>

      <div className="grid">
        <Section title="Runs here">
          <Facts rows={[
            ["Image", plan.image ? <code>{plan.image}</code> : "—"],
            ["Command", plan.entrypoint || plan.args ? <code>{[...(plan.entrypoint ?? []), ...(plan.args ?? [])].join(" ")}</code> : "the image's own"],
            ["Executor", <>{execution.executor}{!execution.imageUsed && plan.image && <span className="muted"> (the image is not used)</span>}</>],
            ["Network", execution.network ? "on" : "off"],
            ["Why", <span className="muted">{execution.why}</span>],
            ["Resources", resources.length ? resources.map(([k, v]) => <code key={k} className="pair">{k}={String(v)}</code>) : "—"],
            ["Annotations", plan.annotations.length ? plan.annotations.map((a) => <code key={a} className="pair">{a}</code>) : "—"],
          ]} />
          {execution.notices.map((notice, index) => (
            <div key={index} className={notice.level === "warning" ? "notice notice-bad" : "notice"}>
              <strong>{notice.level}:</strong> {notice.message}
              <div className="muted">{notice.advice}</div>
            </div>
          ))}
        </Section>
        <Section title="Spec">
          <pre className="yaml" data-testid="plan-yaml">{yaml}</pre>
        </Section>
      </div>

      <div className="grid">
        <Section title="Inputs">
          {plan.inputs.length === 0 ? <Empty>No inputs.</Empty> : (
            <ul className="plain-list">
              {plan.inputs.map((input) => (
                <li key={input.path}><code>{input.path}</code> <Tags tags={input.tags} /> <Link to={`/data?${input.tags.map((t) => `tag=${encodeURIComponent(t)}`).join("&")}`}>matching Data</Link></li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Outputs">
          <ul className="plain-list">
            {plan.outputs.map((output) => (
              <li key={output.path}><code>{output.path}</code> <Tags tags={output.tags} /></li>
            ))}
            {plan.log && <li><span className="muted">(log)</span> <Tags tags={plan.log.tags} /></li>}
            {plan.outputs.length === 0 && !plan.log && <Empty>No outputs.</Empty>}
          </ul>
        </Section>
      </div>

      <div className="grid">
        <Section title="Upstream Plans">
          {upstreams.length === 0 ? <Empty>No Plan feeds this one.</Empty> : (
            <ul className="plain-list">
              {upstreams.map((u, index) => (
                <li key={index}>
                  <Link to={`/plans/${u.plan.planId}`}>{planTitle(u.plan)}</Link> {u.mountpoint ? <code>{u.mountpoint.path}</code> : "(log)"} → <code>{u.to}</code>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Downstream Plans">
          {downstreams.length === 0 ? <Empty>This Plan feeds no other.</Empty> : (
            <ul className="plain-list">
              {downstreams.map((d, index) => (
                <li key={index}>
                  <code>{d.from}</code> → <Link to={`/plans/${d.plan.planId}`}>{planTitle(d.plan)}</Link> <code>{d.mountpoint.path}</code>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>

      <Section title={`Runs (${runs.length})`}>
        {runs.length === 0 ? <Empty>No Run yet: no combination of Data matches its inputs.</Empty> : (
          <table className="table" data-testid="plan-runs">
            <thead><tr><th>Run</th><th>Status</th><th>Updated</th><th>Exit</th></tr></thead>
            <tbody>
              {runs.slice(0, 200).map((run) => (
                <tr key={run.runId}>
                  <td><Id id={run.runId} to={`/runs/${run.runId}`} /></td>
                  <td><StatusBadge status={run.status} /></td>
                  <td><Time at={run.updatedAt} /></td>
                  <td>{run.exit ? `${run.exit.code} ${run.exit.message}` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {runs.length > 200 && <p><Link to={`/runs?plan=${plan.planId}`}>All {runs.length} Runs</Link></p>}
      </Section>
    </div>
  );
}
