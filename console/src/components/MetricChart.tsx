// One metric across pipeline runs: a dot per run, in run order (a line joins them) or against a
// numeric parameter (a scatter). Plain SVG: a few dozen points need no chart library.

import { formatMetric, shortId } from "../format";

export interface ChartPoint {
  id: string;
  x: number;
  y: number;
  label: string;
}

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 60, right: 48, top: 12, bottom: 40 };

function ticks(low: number, high: number, count: number): number[] {
  if (low === high) return [low];
  return Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
}

export function MetricChart({ points, metric, xLabel, joined }: {
  points: readonly ChartPoint[]; metric: string; xLabel: string; joined: boolean;
}) {
  if (points.length === 0) return <p className="muted">No pipeline run has {metric} yet.</p>;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [xLow, xHigh] = [Math.min(...xs), Math.max(...xs)];
  const spread = Math.max(...ys) - Math.min(...ys) || Math.abs(ys[0]) || 1;
  const [yLow, yHigh] = [Math.min(...ys) - spread * 0.1, Math.max(...ys) + spread * 0.1];
  const sx = (x: number) => PAD.left + (xHigh === xLow ? 0.5 : (x - xLow) / (xHigh - xLow)) * (WIDTH - PAD.left - PAD.right);
  const sy = (y: number) => HEIGHT - PAD.bottom - ((y - yLow) / (yHigh - yLow)) * (HEIGHT - PAD.top - PAD.bottom);
  const ordered = [...points].sort((a, b) => a.x - b.x);
  return (
    <svg className="metric-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" data-testid="metric-chart"
      aria-label={`${metric} by ${xLabel}`}>
      {ticks(yLow, yHigh, 4).map((y) => (
        <g key={`y${y}`}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={sy(y)} y2={sy(y)} className="chart-grid" />
          <text x={PAD.left - 6} y={sy(y) + 4} textAnchor="end" className="chart-tick">{formatMetric(y)}</text>
        </g>
      ))}
      {joined && (
        <polyline className="chart-line" points={ordered.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" ")} />
      )}
      {points.map((p) => (
        <g key={p.id} className="chart-point" data-run={p.id}>
          <circle cx={sx(p.x)} cy={sy(p.y)} r={5} />
          <title>{`${shortId(p.id)} (${p.label}): ${metric} = ${p.y}`}</title>
        </g>
      ))}
      {(joined ? ordered : ticks(xLow, xHigh, Math.min(5, new Set(xs).size)).map((x) => ({ x, label: formatMetric(x), id: `${x}` })))
        .map((p) => (
          <text key={`x${p.id}`} x={sx(p.x)} y={HEIGHT - PAD.bottom + 16} textAnchor="middle" className="chart-tick">
            {joined ? shortId(p.id) : p.label}
          </text>
        ))}
      <text x={(WIDTH + PAD.left) / 2} y={HEIGHT - 4} textAnchor="middle" className="chart-axis">{xLabel}</text>
    </svg>
  );
}
