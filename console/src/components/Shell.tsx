// The frame of every signed-in view: the top bar, and the way to the sign-in page when the API
// refuses the token (or there is none).

import { Component, useEffect, type ErrorInfo, type ReactNode } from "react";
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { currentToken, signOut } from "../api/auth";
import { whenUnauthenticated } from "../api/client";
import { asApiError } from "../api/errors";
import { ErrorView } from "./ErrorView";

export interface SignInState {
  message?: string;
  advice?: string;
}

function here(location: { pathname: string; search: string }): string {
  return location.pathname + location.search;
}

export function Shell() {
  const location = useLocation();
  const navigate = useNavigate();

  useEffect(
    () => whenUnauthenticated((error) => {
      signOut();
      const state: SignInState = { message: `The server refused the token: ${error.reason}.`, advice: error.advice };
      navigate(`/signin?next=${encodeURIComponent(here(window.location))}`, { replace: true, state });
    }),
    [navigate],
  );

  if (!currentToken()) {
    const state: SignInState = { message: "Sign in to use the console." };
    return <Navigate to={`/signin?next=${encodeURIComponent(here(location))}`} replace state={state} />;
  }
  return (
    <div className="shell">
      <TopBar />
      <main className="main">
        <Boundary key={location.pathname}>
          <Outlet />
        </Boundary>
      </main>
    </div>
  );
}

function TopBar() {
  const navigate = useNavigate();
  const tab = ({ isActive }: { isActive: boolean }) => (isActive ? "nav-link active" : "nav-link");
  return (
    <header className="topbar">
      <Link to="/data" className="brand" aria-label="knitgraph home">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        knitgraph
      </Link>
      <nav className="nav" aria-label="Main">
        <NavLink to="/data" className={tab}>Data</NavLink>
        <NavLink to="/runs" className={tab}>Runs</NavLink>
        <NavLink to="/plans" className={tab}>Plans</NavLink>
        <NavLink to="/experiments" className={tab}>Experiments</NavLink>
      </nav>
      <div className="topbar-end">
        {/* A full page load: /graphql is the server's GraphiQL page, not a view of this app. */}
        <a href="/graphql" className="nav-link">GraphiQL</a>
        <button
          type="button"
          className="nav-link as-link"
          onClick={() => {
            signOut();
            navigate("/signin", { state: { message: "Signed out." } satisfies SignInState });
          }}
        >
          Sign out
        </button>
      </div>
    </header>
  );
}

/** A bug in a view shows as an error with a way back, never as a blank page. */
class Boundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("console view failed", error, info.componentStack);
  }

  override render() {
    if (this.state.error !== undefined) return <ErrorView error={asApiError(this.state.error)} />;
    return this.props.children;
  }
}
