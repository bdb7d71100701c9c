// The console's GraphQL client: one POST to /graphql per request, typed by the documents that
// graphql-codegen generates from the schema (src/gql). A 401 sends the user to the sign-in page.

import type { TypedDocumentString } from "../gql/graphql";
import { authorization, currentToken } from "./auth";
import { ApiError, errorOfGraphQL, errorOfResponse, networkError, type GraphQLErrorBody } from "./errors";

type Listener = (error: ApiError) => void;
let onUnauthenticated: Listener = () => undefined;

/** Who hears of a refused token (the signed-in frame: it navigates to the sign-in page); returns
 * what stops it hearing. */
export function whenUnauthenticated(listener: Listener): () => void {
  onUnauthenticated = listener;
  return () => {
    if (onUnauthenticated === listener) onUnauthenticated = () => undefined;
  };
}

export function refused(error: ApiError): ApiError {
  if (error.unauthenticated) onUnauthenticated(error);
  return error;
}

function notSignedIn(): ApiError {
  return new ApiError("UNAUTHENTICATED", "you are not signed in",
    "paste an API token, or open the link `knitgraph console` prints", 401);
}

/** fetch with the tab's token; any refusal becomes an ApiError (and a 401 a trip to sign in). */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  if (!currentToken()) throw refused(notSignedIn());
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...init.headers, ...authorization() } });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw networkError(cause);
  }
  if (!response.ok) throw refused(await errorOfResponse(response));
  return response;
}

export async function request<Result, Variables>(
  document: TypedDocumentString<Result, Variables>, variables: Variables, signal?: AbortSignal,
): Promise<Result> {
  const response = await apiFetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal,
  });
  const body = (await response.json()) as { data?: Result | null; errors?: GraphQLErrorBody[] };
  if (body.errors?.length) throw refused(errorOfGraphQL(body.errors[0]));
  if (!body.data) throw new ApiError("BAD_RESPONSE", "the server answered without data", "reload the page");
  return body.data;
}
