// Saving a Data's content: GET /api/data/<knitId>/content (a tar), fetched with the tab's token and
// handed to the browser as a file.

import { apiFetch } from "./client";

export async function downloadContent(knitId: string): Promise<void> {
  const response = await apiFetch(`/api/data/${encodeURIComponent(knitId)}/content`);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = `${knitId}.tar`;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // The click has started the download; the URL is not needed after this turn.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
