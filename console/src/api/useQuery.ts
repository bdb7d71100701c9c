// Runs one GraphQL query for a view: again when its variables change, and on reload().

import { useCallback, useEffect, useState } from "react";
import type { TypedDocumentString } from "../gql/graphql";
import { request } from "./client";
import { ApiError, asApiError } from "./errors";

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
    request(document, JSON.parse(key) as Variables, controller.signal)
      .then((answer) => {
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
