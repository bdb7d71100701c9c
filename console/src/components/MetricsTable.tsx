// The metrics a Run wrote (metrics.json), as recorded on a Data or a Run.

import { formatMetric } from "../format";

export interface MetricLike {
  name: string;
  value: number;
}

export function MetricsTable({ metrics }: { metrics: readonly MetricLike[] }) {
  return (
    <table className="table table-compact" data-testid="metrics">
      <tbody>
        {metrics.map((metric) => (
          <tr key={metric.name} data-metric={metric.name}>
            <th scope="row">{metric.name}</th>
            <td className="number" title={String(metric.value)}>{formatMetric(metric.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
