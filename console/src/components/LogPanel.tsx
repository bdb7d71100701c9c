// A Run's log: shown as it is once the Run has ended, followed live while it runs.

import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { asApiError, type ApiError } from "../api/errors";
import { readLog } from "../api/logStream";
import type { RunStatus } from "../gql/graphql";
import { UNFINISHED } from "../status";

// The page keeps the last this many characters of a long log.
const KEPT = 2_000_000;

type Phase = "loading" | "following" | "complete" | "failed";

export function LogPanel({ runId, status, onEnded }: { runId: string; status: RunStatus; onEnded: () => void }) {
  const live = UNFINISHED.has(status);
  const [text, setText] = useState("");
  const [phase, setPhase] = useState<Phase>("loading");
  const [error, setError] = useState<ApiError>();
  const [cut, setCut] = useState(false);
  const [followed, setFollowed] = useState(false); // it was followed live to the Run's end
  const box = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  const endedRef = useRef(onEnded);
  endedRef.current = onEnded;
  const liveRef = useRef(live);
  liveRef.current = live;
  // A finished Run that runs again (Retry) is followed again: a new round of reading.
  const [round, setRound] = useState(0);
  const wasLive = useRef(live);
  useEffect(() => {
    if (live && !wasLive.current) setRound((r) => r + 1);
    wasLive.current = live;
  }, [live]);

  // Read once per Run and round: a followed log ends by itself when the Run ends (the server
  // closes the stream), so its status turning done must not start the reading again (the log
  // would blank while it is read anew).
  useEffect(() => {
    const live = liveRef.current;
    const controller = new AbortController();
    setText("");
    setCut(false);
    setFollowed(false);
    setError(undefined);
    setPhase(live ? "following" : "loading");
    readLog(runId, live, (chunk) => {
      setText((previous) => {
        const joined = previous + chunk;
        if (joined.length <= KEPT) return joined;
        setCut(true);
        return joined.slice(joined.length - KEPT);
      });
    }, controller.signal)
      .then(() => {
        setPhase("complete");
        if (live) {
          setFollowed(true);
          endedRef.current();
        }
      })
      .catch((thrown: unknown) => {
        if (controller.signal.aborted) return;
        setError(asApiError(thrown));
        setPhase("failed");
      });
    return () => controller.abort();
  }, [runId, round]);

  // Stay at the bottom while the user has not scrolled up.
  useLayoutEffect(() => {
    const element = box.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [text]);

  const waiting = live && !text && ["deactivated", "waiting", "ready", "starting"].includes(status);
  return (
    <div className="log" data-testid="run-log" data-phase={phase}>
      <div className="log-state">
        {phase === "following" && (
          <span className="live" data-testid="log-live"><span className="live-dot" aria-hidden="true" /> following live</span>
        )}
        {waiting && <span className="muted"> — waiting for the Run to start (status: {status})</span>}
        {phase === "complete" && followed && <span className="muted">the Run ended; its log is complete</span>}
        {cut && <span className="muted"> — the start of a long log is not shown</span>}
      </div>
      {error ? (
        <div className="log-error" role="alert">
          {error.reason}
          <div className="muted">{error.advice}</div>
        </div>
      ) : (
        <pre
          ref={box}
          className="log-text"
          tabIndex={0}
          aria-label="run log"
          onScroll={(event) => {
            const el = event.currentTarget;
            pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {text || (phase === "loading" ? "Loading the log…" : phase === "complete" ? "(the log is empty)" : "")}
        </pre>
      )}
    </div>
  );
}
