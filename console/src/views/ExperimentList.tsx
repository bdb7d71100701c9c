// /experiments: every experiment (pipeline runs grouped by `knit pipeline run --experiment`).

import { Link } from "react-router";
import { Experiments } from "../api/operations";
import { useQuery } from "../api/useQuery";
import { Empty, Loading, Time } from "../components/bits";
import { ErrorView } from "../components/ErrorView";

export function ExperimentList() {
  const query = useQuery(Experiments, {});
  const experiments = query.data?.experiments ?? [];
  return (
    <div className="view">
      <header className="view-header">
        <h1>Experiments</h1>
        <p className="muted">Pipeline runs grouped by <code>knit pipeline run --experiment NAME</code>; open one to compare its runs.</p>
      </header>
      {query.error ? (
        <ErrorView error={query.error} back={{ to: "/data", label: "Data" }} />
      ) : !query.data ? (
        <Loading what="experiments" />
      ) : experiments.length === 0 ? (
        <Empty>No experiment yet. <code>knit pipeline run PIPELINE --experiment NAME</code> starts one.</Empty>
      ) : (
        <table className="table" data-testid="experiment-table">
          <thead>
            <tr><th>Experiment</th><th>Pipelines</th><th>Pipeline runs</th><th>Last run</th></tr>
          </thead>
          <tbody>
            {experiments.map((e) => (
              <tr key={e.name} data-experiment={e.name}>
                <td><Link to={`/experiments/${encodeURIComponent(e.name)}`}><strong>{e.name}</strong></Link></td>
                <td>{e.pipelines.join(", ")}</td>
                <td className="number">{e.pipelineRuns}</td>
                <td><Time at={e.lastRunAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
