// A Run's log over GET /api/runs/<runId>/log: as it is (follow=false), or streamed while the Run
// runs (follow=true: the answer stays open and grows until the Run ends). fetch + ReadableStream
// carry the Authorization header, which EventSource cannot.

import { apiFetch } from "./client";

export async function readLog(
  runId: string, follow: boolean, onText: (text: string) => void, signal: AbortSignal,
): Promise<void> {
  const response = await apiFetch(`/api/runs/${encodeURIComponent(runId)}/log?follow=${follow}`, { signal });
  if (!response.body) {
    onText(await response.text());
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onText(decoder.decode(value, { stream: true }));
    }
    const rest = decoder.decode();
    if (rest) onText(rest);
  } finally {
    reader.releaseLock();
  }
}
