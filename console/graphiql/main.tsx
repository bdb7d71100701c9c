// GraphiQL, bundled from npm so that /graphql works with no internet. It sends the console's
// token (this tab's sessionStorage, or a #token= fragment) with every request.

import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { GraphiQL, type GraphiQLProps } from "graphiql";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { authorization, currentToken, takeTokenFromFragment } from "../src/api/auth";
import "./graphiql.css";

takeTokenFromFragment();

const EXAMPLE = `# knitgraph's GraphQL API: the Docs panel (book icon) has the schema.
# Ctrl-Enter runs the query.
query Running {
  server { version }
  findRuns(statuses: [starting, running]) {
    runId
    status
    updatedAt
    plan { planId image annotations }
  }
}
`;

const fetcher: GraphiQLProps["fetcher"] = async (params) => {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...authorization() },
    body: JSON.stringify(params),
  });
  if (response.status === 401) {
    return { errors: [{ message: "not signed in: the server refused the request (401)",
      extensions: { advice: "sign in from the console's sign-in page (link above), then come back" } }] };
  }
  return response.json();
};

function SignInBar() {
  if (currentToken()) {
    return (
      <div className="kg-bar">
        <a href="/">← knitgraph console</a>
        <span>Signed in: queries carry this tab's token.</span>
      </div>
    );
  }
  return (
    <div className="kg-bar kg-bar-warning" role="alert">
      <a href="/">← knitgraph console</a>
      <span>
        Not signed in: the API will refuse queries. <a href="/signin?next=%2Fgraphql">Sign in</a>, or open the link{" "}
        <code>knitgraph console</code> prints with <code>/graphql</code> in place of <code>/</code>.
      </span>
    </div>
  );
}

createRoot(document.getElementById("graphiql")!).render(
  <StrictMode>
    <div className="kg-page">
      <SignInBar />
      <div className="kg-ide">
        <GraphiQL fetcher={fetcher} defaultQuery={EXAMPLE} />
      </div>
    </div>
  </StrictMode>,
);
