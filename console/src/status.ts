// Run statuses: their order in a Run's life, which are still moving, and the tone they are shown
// in (a colour, always next to the status's name).

import type { RunStatus } from "./gql/graphql";

export const RUN_STATUSES: RunStatus[] = [
  "deactivated", "waiting", "ready", "starting", "running", "completing", "aborting", "done", "failed", "invalidated",
];

/** Statuses in which a Run has not ended yet: its log may still grow. */
export const UNFINISHED: ReadonlySet<RunStatus> = new Set<RunStatus>([
  "deactivated", "waiting", "ready", "starting", "running", "completing", "aborting",
]);

export const STOPPABLE: ReadonlySet<RunStatus> = new Set<RunStatus>(["waiting", "ready", "starting", "running"]);
export const RETRIABLE: ReadonlySet<RunStatus> = new Set<RunStatus>(["done", "failed"]);

export type Tone = "neutral" | "active" | "good" | "bad" | "muted";

export function toneOf(status: RunStatus): Tone {
  switch (status) {
    case "done":
    case "completing":
      return "good";
    case "failed":
    case "aborting":
      return "bad";
    case "starting":
    case "running":
      return "active";
    case "deactivated":
    case "invalidated":
      return "muted";
    default:
      return "neutral";
  }
}
