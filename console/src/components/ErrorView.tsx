// What the user sees when the API refuses: a not-found page with a way back, or the reason and
// the advice of any other error. Never a blank page.

import { Link } from "react-router";
import type { ApiError } from "../api/errors";

export function ErrorView({ error, back }: { error: ApiError; back?: { to: string; label: string } }) {
  const way = back ?? { to: "/data", label: "Back to Data" };
  return (
    <div className={error.notFound ? "problem problem-not-found" : "problem"} role="alert" data-code={error.code}>
      <h1>{error.notFound ? "Not found" : "Something went wrong"}</h1>
      <p className="problem-reason">{error.reason}</p>
      {error.advice && (
        <p className="problem-advice">
          <strong>Advice:</strong> {error.advice}
        </p>
      )}
      {!error.notFound && <p className="muted">code: {error.code}</p>}
      <p>
        <Link to={way.to} className="button">{way.label}</Link>
      </p>
    </div>
  );
}

/** An error of a button's action, next to the button. */
export function ActionError({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div className="action-error" role="alert">
      {error.reason}
      {error.advice && <span className="muted"> — {error.advice}</span>}
    </div>
  );
}
