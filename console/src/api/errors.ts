// What the API says when it refuses: a reason, advice and a code, from GraphQL errors'
// `extensions` or from the JSON `{"message": {...}}` of the HTTP endpoints.

export class ApiError extends Error {
  readonly code: string;
  readonly reason: string;
  readonly advice: string;
  readonly status: number;

  constructor(code: string, reason: string, advice: string, status = 0) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.advice = advice;
    this.status = status;
  }

  get notFound(): boolean {
    return this.code === "NOT_FOUND";
  }

  get unauthenticated(): boolean {
    return this.code === "UNAUTHENTICATED" || this.status === 401;
  }
}

interface Refusal {
  reason?: string;
  advice?: string;
  code?: string;
}

/** The ApiError of a failed HTTP answer, whatever its body. */
export async function errorOfResponse(response: Response): Promise<ApiError> {
  let refusal: Refusal = {};
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && "message" in body && typeof body.message === "object" && body.message) {
      refusal = body.message as Refusal;
    }
  } catch {
    // not JSON: a proxy's page, or a server that is gone; the status says enough
  }
  const code = refusal.code ?? (response.status === 401 ? "UNAUTHENTICATED" : `HTTP_${response.status}`);
  return new ApiError(
    code,
    refusal.reason ?? `the server answered ${response.status} ${response.statusText}`,
    refusal.advice ?? "check that knitgraph runs (`knitgraph status`) and try again",
    response.status,
  );
}

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; reason?: string; advice?: string };
}

export function errorOfGraphQL(error: GraphQLErrorBody): ApiError {
  const extensions = error.extensions ?? {};
  return new ApiError(
    extensions.code ?? "BAD_REQUEST",
    extensions.reason ?? error.message,
    extensions.advice ?? "check the query against the schema at /graphql",
  );
}

export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiError("UNREACHABLE", `the knitgraph server did not answer (${detail})`,
    "check that it runs (`knitgraph status`) and reload the page");
}

/** Anything thrown, as an ApiError (a bug in the console becomes one too: never a blank page). */
export function asApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new ApiError("CONSOLE", message, "reload the page; if it persists, this is a bug of the console");
}
