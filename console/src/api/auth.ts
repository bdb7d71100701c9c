// The API token of this browser tab. It lives in sessionStorage: it survives reloads of the tab,
// but not closing it, and other tabs and sites never see it.

const KEY = "knitgraph.token";

export function currentToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

export function authorization(): Record<string, string> {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Signs in with a `#token=...` fragment (the link `knitgraph console` prints) and removes it from
 * the address bar and the history entry at once, before anything renders. */
export function takeTokenFromFragment(): boolean {
  const match = /^#(?:.*&)?token=([^&]+)/.exec(window.location.hash);
  if (!match) return false;
  signIn(decodeURIComponent(match[1]));
  window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  return true;
}
