// The drawn graph as files: dot in the language of `knit data lineage` / `knit plan graph` (so a
// lineage explored here, expansions included, can be rendered by graphviz), and SVG of the whole
// laid-out drawing (every node, not only those React Flow has rendered).

import { formatTime, planName, planWhat, shortId, tagValue, userTags } from "../format";
import type { Positions } from "./layout";
import type { GraphModel, GraphNode } from "./model";
import { sizeOf } from "./nodes";

const DATA_COLOR = "#1c9930";
const START_DATA_BACKGROUND = "#d4ecc6";
const RUN_COLOR = "orange";
const PLAN_COLOR = "#DAA520";
const START_PLAN_BACKGROUND = "#EDD9B4";
const STATUS_COLORS: Record<string, string> = {
  deactivated: "gray", completing: "#007700", done: "#007700", aborting: "red", failed: "red",
};

const quote = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const html = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The dot node name the server's export gives a node: d<knitId>, r<runId>, p<planId>, root#N. */
function dotName(node: GraphNode, roots: Map<string, string>): string {
  switch (node.kind) {
    case "data": return `d${node.data.knitId}`;
    case "run": return `r${node.run.runId}`;
    case "plan": return `p${node.plan.planId}`;
    case "root": return roots.get(node.id) ?? node.id;
  }
}

function table(color: string, rows: string[], tooltip: string): string {
  return `[\n\t\tshape=none\n\t\tcolor=${quote(color)}\n\t\ttooltip=${quote(tooltip)}\n\t\tlabel=<\n`
    + `\t\t\t<TABLE CELLSPACING="0">\n${rows.map((r) => `\t\t\t\t${r}\n`).join("")}\t\t\t</TABLE>\n\t\t>\n\t]`;
}

const header = (title: string, color: string) => `<TD BGCOLOR="${color}"><FONT COLOR="#FFFFFF"><B>${title}</B></FONT></TD>`;

function producer(plan: Parameters<typeof planName>[0]): string {
  const parts = [];
  const name = planName(plan);
  if (name) parts.push(`<B>${html(name)}</B>`);
  const what = planWhat(plan);
  if (what) parts.push(html(plan.image ? `image = ${what}` : `command = ${what}`));
  return parts.join("<BR/>") || html(plan.planId);
}

function dotNode(node: GraphNode, start: string, name: string): string {
  switch (node.kind) {
    case "data": {
      const { data } = node;
      const rows = [`<TR>${header("Data", DATA_COLOR)}<TD BGCOLOR="${node.id === start ? START_DATA_BACKGROUND : "#FFFFFF"}">`
        + `knit#id: ${html(shortId(data.knitId))}</TD></TR>`];
      const system = [data.timestamp ? formatTime(data.timestamp) : "", data.transient ? `knit#transient:${data.transient}` : ""]
        .filter(Boolean);
      if (system.length) rows.push(`<TR><TD COLSPAN="2"><FONT POINT-SIZE="8">${html(system.join(" | "))}</FONT></TD></TR>`);
      const tags = userTags(data.tags).map((tag) => {
        const at = tag.indexOf(":");
        return `<B>${html(tag.slice(0, at))}</B>:${html(tag.slice(at + 1))}`;
      });
      if (tags.length) rows.push(`<TR><TD COLSPAN="2">${tags.join("<BR/>")}</TD></TR>`);
      return `\t${quote(name)}${table(DATA_COLOR, rows, `knit#id:${data.knitId}`)};\n`;
    }
    case "run": {
      const { run } = node;
      const color = STATUS_COLORS[run.status];
      const status = color ? `<FONT COLOR="${color}"><B>${run.status}</B></FONT>` : run.status;
      const rows = [
        `<TR>${header("Run", RUN_COLOR)}<TD>${status}</TD><TD>id: ${html(shortId(run.runId))}</TD></TR>`,
        `<TR><TD COLSPAN="3"><FONT POINT-SIZE="8">last updated: ${html(formatTime(run.updatedAt))}</FONT></TD></TR>`,
        `<TR><TD COLSPAN="3">${producer(run.plan)}</TD></TR>`,
      ];
      return `\t${quote(name)}${table(RUN_COLOR, rows, `runId:${run.runId}`)};\n`;
    }
    case "plan": {
      const { plan } = node;
      const active = plan.active ? '<FONT COLOR="#007700"><B>active</B></FONT>' : '<FONT COLOR="gray"><B>inactive</B></FONT>';
      const background = node.id === start ? ` BGCOLOR="${START_PLAN_BACKGROUND}"` : "";
      const rows = [
        `<TR>${header("Plan", PLAN_COLOR)}<TD>${active}</TD><TD${background}>id: ${html(shortId(plan.planId))}</TD></TR>`,
        `<TR><TD COLSPAN="3">${producer(plan)}</TD></TR>`,
      ];
      return `\t${quote(name)}${table(PLAN_COLOR, rows, `planId:${plan.planId}`)};\n`;
    }
    case "root":
      return `\t${quote(name)}[shape=Mdiamond];\n`;
  }
}

export function graphDot(model: GraphModel): string {
  const roots = new Map<string, string>();
  for (const node of model.nodes.values()) if (node.kind === "root") roots.set(node.id, `root#${roots.size}`);
  const names = new Map([...model.nodes.values()].map((node) => [node.id, dotName(node, roots)]));
  const nodes = [...model.nodes.values()].map((node) => dotNode(node, model.start, names.get(node.id) ?? node.id));
  const edges = [...model.edges.values()].flatMap((edge) => {
    const source = names.get(edge.source);
    const target = names.get(edge.target);
    if (!source || !target) return [];
    return [`\t${quote(source)} -> ${quote(target)}${edge.label ? ` [label=${quote(edge.label)}]` : ""};\n`];
  });
  return `digraph G {\n\tnode [shape=record fontsize=10]\n\tedge [fontsize=10]\n\n${nodes.join("")}\n${edges.join("")}\n}\n`;
}

const KIND_COLORS: Record<GraphNode["kind"], string> = { data: DATA_COLOR, run: "#f59e0b", plan: PLAN_COLOR, root: "#6b7280" };

function svgLines(node: GraphNode): string[] {
  switch (node.kind) {
    case "data":
      return [`Data ${shortId(node.data.knitId)}`, tagValue(node.data.tags, "knit#timestamp") ?? "", ...userTags(node.data.tags).slice(0, 4)];
    case "run":
      return [`Run ${shortId(node.run.runId)} · ${node.run.status}`, planName(node.run.plan) ?? "", planWhat(node.run.plan) ?? ""];
    case "plan":
      return [`Plan ${shortId(node.plan.planId)} · ${node.plan.active ? "active" : "inactive"}`, planName(node.plan) ?? "",
        planWhat(node.plan) ?? ""];
    case "root":
      return [];
  }
}

/** The laid-out graph as a standalone SVG document: boxes in the console's colours, edges as curves. */
export function graphSvg(model: GraphModel, positions: Positions): string {
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const node of model.nodes.values()) {
    const at = positions.get(node.id);
    if (at) boxes.set(node.id, { ...at, ...sizeOf(node) });
  }
  const all = [...boxes.values()];
  const pad = 20;
  const width = Math.max(0, ...all.map((b) => b.x + b.width)) + pad * 2;
  const height = Math.max(0, ...all.map((b) => b.y + b.height)) + pad * 2;
  const edges = [...model.edges.values()].flatMap((edge) => {
    const from = boxes.get(edge.source);
    const to = boxes.get(edge.target);
    if (!from || !to) return [];
    const [x1, y1, x2, y2] = [from.x + from.width + pad, from.y + from.height / 2 + pad, to.x + pad, to.y + to.height / 2 + pad];
    const mid = (x1 + x2) / 2;
    const dash = edge.kind === "LOG" ? ' stroke-dasharray="5 4"' : "";
    return [`<path class="edge" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" fill="none" stroke="#9ca3af"${dash} marker-end="url(#arrow)"/>`];
  });
  const nodes = [...model.nodes.values()].flatMap((node) => {
    const box = boxes.get(node.id);
    if (!box) return [];
    const color = KIND_COLORS[node.kind];
    const [x, y] = [box.x + pad, box.y + pad];
    if (node.kind === "root") {
      const [cx, cy, r] = [x + box.width / 2, y + box.height / 2, box.width / 2];
      return [`<g class="node" data-id="${html(node.id)}"><polygon points="${cx},${cy - r} ${cx + r},${cy} ${cx},${cy + r} ${cx - r},${cy}" fill="#fff" stroke="${color}"/></g>`];
    }
    const fill = node.id === model.start ? (node.kind === "plan" ? START_PLAN_BACKGROUND : START_DATA_BACKGROUND) : "#fff";
    const text = svgLines(node).filter(Boolean).map((line, i) =>
      `<text x="${x + 8}" y="${y + 19 + i * 16}"${i === 0 ? ' font-weight="bold"' : ""}>${html(line)}</text>`);
    return [`<g class="node" data-id="${html(node.id)}"><rect x="${x}" y="${y}" width="${box.width}" height="${box.height}" rx="6" `
      + `fill="${fill}" stroke="${color}" stroke-width="1.5"/><rect x="${x}" y="${y}" width="6" height="${box.height}" fill="${color}"/>`
      + `${text.join("")}</g>`];
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" `
    + `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">\n`
    + `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">`
    + `<path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"/></marker></defs>\n`
    + `<rect width="100%" height="100%" fill="#fff"/>\n${edges.join("\n")}\n${nodes.join("\n")}\n</svg>\n`;
}

/** Offers ``text`` to the user as a download named ``name``. */
export function saveText(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
