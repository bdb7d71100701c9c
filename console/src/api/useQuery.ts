// Runs one GraphQL query for a view: again when its variables change, and on reload().

import { useCallback, useEffect, useState } from "react";
import type { TypedDocumentString } from "../gql/graphql";
import { refused, request } from "./client";
import { ApiError, asApiError } from "./errors";

// Requests started before React mounted (src/preload.ts), each taken by the first view that asks
// the same document with the same variables.
const early = new Map<string, Promise<unknown>>();

function earlyKey(document: { toString(): string }, variables: string): string {
  return `${document.toString()}\n${variables}`;
}

/** Starts a view's query now; the view's useQuery takes the answer instead of asking again. */
export function preload<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables): void {
  const started = request(document, variables);
  started.catch(() => undefined);  // the view that takes it hears of a failure
  early.set(earlyKey(document, JSON.stringify(variables)), started);
}

function takeEarly<Result>(document: { toString(): string }, variables: string): Promise<Result> | undefined {
  const key = earlyKey(document, variables);
  const started = early.get(key) as Promise<Result> | undefined;
  early.delete(key);
  // A refusal before the sign-in redirect was listening is told again now.
  return started?.catch((thrown: unknown) => Promise.reject(thrown instanceof ApiError ? refused(thrown) : thrown));
}

export interface QueryState<Result> {
  data: Result | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
  /** Replace the data with what a mutation answered, without asking again. */
  setData: (data: Result) => void;
}

export function useQuery<Result, Variables>(
  document: TypedDocumentString<Result, Variables>, variables: Variables,
): QueryState<Result> {
  const key = JSON.stringify(variables);
  const [data, setData] = useState<Result>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    (takeEarly<Result>(document, key) ?? request(document, JSON.parse(key) as Variables, controller.signal))
      .then((answer) => {
        if (controller.signal.aborted) return;  // an early answer cannot be aborted
        setData(answer);
        setError(undefined);
      })
      .catch((thrown: unknown) => {
        if (!controller.signal.aborted) setError(asApiError(thrown));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [document, key, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

/** Call `refresh` every `ms` while `active` (a view whose Runs still move asks again). */
export function useRefreshWhile(active: boolean, refresh: () => void, ms: number): void {
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(refresh, ms);
    return () => clearInterval(timer);
  }, [active, refresh, ms]);
}

/** A button's action: its pending state and its error, shown next to it. */
export function useAction(): {
  pending: boolean;
  error: ApiError | undefined;
  run: (action: () => Promise<void>) => Promise<void>;
} {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(async (action: () => Promise<void>) => {
    setPending(true);
    setError(undefined);
    try {
      await action();
    } catch (thrown) {
      setError(asApiError(thrown));
    } finally {
      setPending(false);
    }
  }, []);
  return { pending, error, run };
}
