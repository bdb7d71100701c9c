// How ids, times, tags and plans read in the console (as the dot export writes them).

import type { ConsolePlanSummaryFragment } from "./gql/graphql";

export const SHORT_ID = 8;

export function shortId(id: string): string {
  return id.length <= SHORT_ID ? id : `${id.slice(0, SHORT_ID)}…`;
}

export function formatTime(text: string | null | undefined): string {
  if (!text) return "—";
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  return date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

/** "3.2 s", "4 min 05 s": how long between two times. */
export function formatDuration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return "—";
  const ms = new Date(to).getTime() - new Date(from).getTime();
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return minutes < 60 ? `${minutes} min ${String(seconds).padStart(2, "0")} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB"];

/** "512 bytes", "3.4 MiB": a content size; "—" when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export const SYSTEM_PREFIX = "knit#";

export function isSystemTag(tag: string): boolean {
  return tag.startsWith(SYSTEM_PREFIX);
}

/** The value of the first tag with this key (system tags too), or undefined. */
export function tagValue(tags: readonly string[], key: string): string | undefined {
  const found = tags.find((tag) => tag.startsWith(`${key}:`));
  return found === undefined ? undefined : found.slice(key.length + 1);
}

export function userTags(tags: readonly string[]): string[] {
  return tags.filter((tag) => !isSystemTag(tag));
}

type PlanLike = Pick<ConsolePlanSummaryFragment, "planId" | "name" | "annotations"> &
  Partial<Pick<ConsolePlanSummaryFragment, "image" | "entrypoint" | "args">>;

/** What a person calls the plan: its `name=` annotation, a pipeline step's "pipeline / step", else a pseudo plan's name. */
export function planName(plan: PlanLike): string | null {
  for (const annotation of plan.annotations) {
    const at = annotation.indexOf("=");
    if (at > 0 && annotation.slice(0, at).trim() === "name" && annotation.slice(at + 1).trim()) {
      return annotation.slice(at + 1).trim();
    }
  }
  // A pipeline's step (knit pipeline apply): "pipeline / step".
  const pipeline = annotationValue(plan.annotations, "knitgraph.io/pipeline");
  const step = annotationValue(plan.annotations, "knitgraph.io/pipeline-step");
  if (pipeline && step) return `${pipeline} / ${step}`;
  return plan.name ?? null;
}

/** The value of annotation `key` (the first in sorted order, as the server reads it). */
function annotationValue(annotations: readonly string[], key: string): string | undefined {
  const found = [...annotations].sort().find((annotation) => annotation.slice(0, annotation.indexOf("=")).trim() === key);
  return found?.slice(found.indexOf("=") + 1).trim();
}

/** The image, or without one the command. */
export function planWhat(plan: PlanLike): string | null {
  if (plan.image) return plan.image;
  if (plan.entrypoint?.length) return [...plan.entrypoint, ...(plan.args ?? [])].join(" ");
  return null;
}

/** One line naming a plan: name, else image or command, else its id. */
export function planTitle(plan: PlanLike): string {
  return planName(plan) ?? planWhat(plan) ?? shortId(plan.planId);
}

/** A metric as knit prints it: 4 significant digits (0.9133, 1.235e+04). */
export function formatMetric(value: number): string {
  return Number.parseFloat(value.toPrecision(4)).toString();
}
