// /plans?active=&image=: Plans, what they read and what they make.

import { Link, useSearchParams } from "react-router";
import { PlanList as PlanListQuery } from "../api/operations";
import { useQuery } from "../api/useQuery";
import { Empty, Id, Loading, Tags } from "../components/bits";
import { ErrorView } from "../components/ErrorView";
import { planName, planWhat } from "../format";

export function PlanList() {
  const [params, setParams] = useSearchParams();
  const active = params.get("active");
  const image = params.get("image") ?? "";
  const query = useQuery(PlanListQuery, {
    active: active === "yes" ? true : active === "no" ? false : null, image: image || null,
  });

  function update(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  }

  const plans = query.data?.findPlans ?? [];
  return (
    <div className="view">
      <header className="view-header">
        <h1>Plans</h1>
        <p className="muted">Each Plan runs its image on every combination of Data its inputs' tags match.</p>
      </header>
      <div className="filters" role="search">
        <select aria-label="active" value={active ?? ""} onChange={(event) => update("active", event.target.value)}>
          <option value="">active or not</option>
          <option value="yes">active</option>
          <option value="no">inactive</option>
        </select>
        <input aria-label="image" placeholder="image (repository[:tag])" defaultValue={image}
          onKeyDown={(event) => event.key === "Enter" && update("image", event.currentTarget.value.trim())}
          onBlur={(event) => event.currentTarget.value.trim() !== image && update("image", event.currentTarget.value.trim())} />
      </div>
      {query.error ? (
        <ErrorView error={query.error} back={{ to: "/plans", label: "All Plans" }} />
      ) : !query.data ? (
        <Loading what="Plans" />
      ) : plans.length === 0 ? (
        <Empty>No Plan matches. <code>knit plan apply plan.yaml</code> registers one.</Empty>
      ) : (
        <table className="table" data-testid="plan-table">
          <thead>
            <tr><th>Plan</th><th>Name / image</th><th>Inputs</th><th>Outputs</th><th>Active</th></tr>
          </thead>
          <tbody>
            {plans.map((plan) => (
              <tr key={plan.planId} data-plan-id={plan.planId}>
                <td><Id id={plan.planId} to={`/plans/${plan.planId}`} /></td>
                <td>
                  {planName(plan) && <strong>{planName(plan)} </strong>}
                  {planWhat(plan) && <code>{planWhat(plan)}</code>}
                </td>
                <td>
                  {plan.inputs.map((input) => (
                    <div key={input.path}><code>{input.path}</code> <Tags tags={input.tags} /></div>
                  ))}
                </td>
                <td>
                  {plan.outputs.map((output) => (
                    <div key={output.path}><code>{output.path}</code> <Tags tags={output.tags} /></div>
                  ))}
                  {plan.log && <div><span className="muted">(log)</span> <Tags tags={plan.log.tags} /></div>}
                </td>
                <td>{plan.active ? <span className="status status-good">active</span> : <span className="status status-muted">inactive</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted"><Link to="/runs">All Runs</Link></p>
    </div>
  );
}
