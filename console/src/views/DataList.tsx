// /data?tag=k:v&tag=...&transient=&since=&duration=: Data searched by tags, time and transient state.

import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { DataList as DataListQuery, TagSuggestions } from "../api/operations";
import { useQuery } from "../api/useQuery";
import { Empty, Id, Loading, StatusBadge, Tags, Time } from "../components/bits";
import { ErrorView } from "../components/ErrorView";
import { TagInput } from "../components/TagInput";
import { TimeRange } from "../components/TimeRange";
import { planTitle, tagValue, userTags } from "../format";
import type { Transient } from "../gql/graphql";

const SHOWN = 500;
const SUGGESTIONS = 100; // the most the API gives
const TRANSIENTS: [Transient, string][] = [["BOTH", "any state"], ["NO", "settled"], ["YES", "transient"]];

export function DataList() {
  const [params, setParams] = useSearchParams();
  const tags = params.getAll("tag");
  const transient = (params.get("transient") ?? "BOTH") as Transient;
  const since = params.get("since") ?? "";
  const duration = params.get("duration") ?? "";
  const query = useQuery(DataListQuery, {
    tags: tags.length ? tags : null, transient, since: since || null, duration: since && duration ? duration : null,
  });

  function update(change: Record<string, string | string[]>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(change)) {
      next.delete(key);
      for (const item of Array.isArray(value) ? value : [value]) if (item) next.append(key, item);
    }
    setParams(next);
  }

  // Newest first (the API answers oldest first).
  const rows = useMemo(() => [...(query.data?.findData ?? [])].reverse(), [query.data]);
  // Completion: the server's most used tags first (with how many Data carry each), then the tags of
  // the Data listed.
  const [typed, setTyped] = useState("");
  const prefix = typed.trim();
  const suggestionVariables = useMemo(() => ({ prefix, limit: SUGGESTIONS }), [prefix]);
  const suggested = useQuery(TagSuggestions, suggestionVariables);
  const completion = useMemo(() => {
    const known = (suggested.data?.tagSuggestions ?? []).map((s) => ({ tag: s.tag, note: `${s.tag} (${s.dataCount} Data)` }));
    const seen = new Set(known.map((s) => s.tag));
    const listed = [...new Set(rows.flatMap((row) => userTags(row.tags)))].sort().filter((t) => !seen.has(t));
    return [...known, ...listed];
  }, [suggested.data, rows]);

  return (
    <div className="view">
      <header className="view-header">
        <h1>Data</h1>
        <p className="muted">Search by tags (every tag must match), by when the Data was finished, and by state.</p>
      </header>
      <div className="filters" role="search">
        <TagInput label="tags" tags={tags} suggestions={completion} onTyping={setTyped} placeholder="tag key:value, then Enter"
          onChange={(next) => update({ tag: next })} />
        <select aria-label="transient" value={transient} onChange={(event) => update({ transient: event.target.value })}>
          {TRANSIENTS.map(([value, text]) => (
            <option key={value} value={value}>{text}</option>
          ))}
        </select>
        <TimeRange since={since} duration={duration} onChange={(s, d) => update({ since: s, duration: d })} />
      </div>
      {query.error ? (
        <ErrorView error={query.error} back={{ to: "/data", label: "All Data" }} />
      ) : !query.data ? (
        <Loading what="Data" />
      ) : rows.length === 0 ? (
        <Empty>No Data matches. {tags.length > 0 && <Link to="/data">Show all Data</Link>}</Empty>
      ) : (
        <>
          <p className="count">
            {rows.length} Data{rows.length > SHOWN && `, the newest ${SHOWN} shown`}
            {query.loading && <span className="muted"> · refreshing…</span>}
          </p>
          <table className="table" data-testid="data-table">
            <thead>
              <tr>
                <th>knit#id</th>
                <th>Tags</th>
                <th>Finished</th>
                <th>Made by</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, SHOWN).map((row) => (
                <tr key={row.knitId} data-knit-id={row.knitId}>
                  <td><Id id={row.knitId} to={`/data/${row.knitId}`} /></td>
                  <td>
                    <Tags tags={userTags(row.tags)} />
                    {tagValue(row.tags, "knit#transient") && (
                      <span className="tag tag-system">transient: {tagValue(row.tags, "knit#transient")}</span>
                    )}
                  </td>
                  <td><Time at={tagValue(row.tags, "knit#timestamp")} /></td>
                  <td>
                    <Link to={`/runs/${row.upstream.run.runId}`} className="made-by">
                      {planTitle(row.upstream.run.plan)}
                    </Link>{" "}
                    <StatusBadge status={row.upstream.run.status} />
                    {row.upstream.log && <span className="muted"> (its log)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
