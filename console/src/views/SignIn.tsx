// Sign in by pasting an API token; the token is checked with one small query before it is kept.

import { useState, type FormEvent } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { currentToken, signIn, signOut } from "../api/auth";
import { request } from "../api/client";
import { asApiError, type ApiError } from "../api/errors";
import { SignInCheck } from "../api/operations";
import type { SignInState } from "../components/Shell";

/** Only a path of this console (never another site, nor this page again). */
function safeNext(next: string | null): string {
  const usable = next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin");
  return usable ? next : "/data";
}

export function SignIn() {
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const state = (location.state ?? {}) as SignInState;
  const [token, setToken] = useState("");
  const [error, setError] = useState<ApiError>();
  const [checking, setChecking] = useState(false);
  const next = safeNext(params.get("next"));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setChecking(true);
    setError(undefined);
    const previous = currentToken();
    signIn(token);
    try {
      await request(SignInCheck, {});
      // The next page may be GraphiQL, a page of the server and not of this app.
      if (next === "/graphql") window.location.assign(next);
      else navigate(next, { replace: true });
    } catch (thrown) {
      if (previous) signIn(previous);
      else signOut();
      setError(asApiError(thrown));
    } finally {
      setChecking(false);
    }
  }

  return (
    <div className="signin-page">
      <form className="signin card" onSubmit={submit}>
        <h1>
          <img src="/favicon.svg" alt="" width={28} height={28} /> Sign in to knitgraph
        </h1>
        {state.message && !error && (
          <div className="notice" role="status">
            {state.message}
            {state.advice && <div className="muted">{state.advice}</div>}
          </div>
        )}
        {error && (
          <div className="notice notice-bad" role="alert">
            {error.reason}
            <div className="muted">{error.advice}</div>
          </div>
        )}
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="kg_…"
          required
        />
        <button type="submit" className="button primary" disabled={checking || !token.trim()}>
          {checking ? "Checking…" : "Sign in"}
        </button>
        <p className="hint">
          On the machine where knitgraph runs, <code>knitgraph console</code> prints a link that signs you in as its
          admin. Other users get a token from an admin: <code>knitgraph token create NAME</code>. The token stays in
          this browser tab only.
        </p>
      </form>
    </div>
  );
}
