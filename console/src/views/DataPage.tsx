// /data/<knitId>: a Data's tags (add, remove), the Run that made it, the Runs it fed, the Plans it
// is nominated for, its content.

import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { request } from "../api/client";
import { downloadContent } from "../api/download";
import { DataPage as DataPageQuery, TagData } from "../api/operations";
import { useAction, useQuery } from "../api/useQuery";
import { Empty, Facts, Id, Loading, Section, StatusBadge, Tag, Tags, Time } from "../components/bits";
import { ActionError, ErrorView } from "../components/ErrorView";
import { MetricsTable } from "../components/MetricsTable";
import { formatBytes, isSystemTag, planTitle, tagValue } from "../format";

export function DataPage() {
  const { knitId = "" } = useParams();
  const query = useQuery(DataPageQuery, { knitId });
  const tagging = useAction();
  const download = useAction();
  const [newTag, setNewTag] = useState("");

  if (query.error) return <ErrorView error={query.error} back={{ to: "/data", label: "Back to Data" }} />;
  if (!query.data) return <Loading what={`Data ${knitId}`} />;
  const data = query.data.data;
  const own = data.tags.filter((tag) => !isSystemTag(tag));
  const system = data.tags.filter(isSystemTag);

  const changeTags = (add: string[], remove: string[]) =>
    tagging.run(async () => {
      const answer = await request(TagData, { knitId, add, remove });
      query.setData({ data: answer.tagData });
    });

  function addTag(event: FormEvent) {
    event.preventDefault();
    const tag = newTag.trim();
    if (!tag) return;
    void changeTags([tag], []).then(() => setNewTag(""));
  }

  const made = data.upstream;
  return (
    <div className="view">
      <header className="view-header">
        <div className="crumbs"><Link to="/data">Data</Link> /</div>
        <h1>
          Data <code className="id-full">{data.knitId}</code>
        </h1>
        <div className="view-actions">
          <Link to={`/lineage/${data.knitId}`} className="button">Lineage</Link>
          <button type="button" className="button" disabled={download.pending}
            onClick={() => void download.run(() => downloadContent(data.knitId))}>
            {download.pending ? "Downloading…" : "Download content (.tar)"}
          </button>
        </div>
        <ActionError error={download.error} />
      </header>

      <div className="grid">
        <Section title="Tags">
          <div className="tags editable" data-testid="data-tags">
            {own.length === 0 && <span className="muted">no tags of its own</span>}
            {own.map((tag) => (
              <Tag key={tag} tag={tag} onRemove={tagging.pending ? undefined : () => void changeTags([], [tag])} />
            ))}
          </div>
          <form className="inline-form" onSubmit={addTag}>
            <input aria-label="new tag" placeholder="key:value" value={newTag} onChange={(e) => setNewTag(e.target.value)} />
            <button type="submit" className="button" disabled={tagging.pending || !newTag.trim()}>Add tag</button>
          </form>
          <ActionError error={tagging.error} />
          <div className="system-tags">
            <Tags tags={system} />
          </div>
        </Section>

        <Section title="Made by">
          <Facts rows={[
            ["Run", <><Id id={made.run.runId} to={`/runs/${made.run.runId}`} /> <StatusBadge status={made.run.status} /></>],
            ["Plan", <Link to={`/plans/${made.run.plan.planId}`}>{planTitle(made.run.plan)}</Link>],
            ["As", made.mountpoint ? <code>{made.mountpoint.path}</code> : made.log ? "its log" : "—"],
            ["Finished", <Time at={tagValue(data.tags, "knit#timestamp")} />],
            ["Size", <span data-testid="data-size">{formatBytes(data.contentSize)}</span>],
            ["Content digest", data.contentDigest ? <code className="digest">{data.contentDigest}</code> : "—"],
          ]} />
        </Section>
      </div>

      {data.metrics.length > 0 && (
        <Section title="Metrics" actions={<span className="muted">from metrics.json, recorded when the Run finished</span>}>
          <MetricsTable metrics={data.metrics} />
        </Section>
      )}

      <Section title={`Read by ${data.downstreams.length} Run${data.downstreams.length === 1 ? "" : "s"}`}
        actions={data.downstreams.length > 0 && <Link to={`/runs?in=${data.knitId}`}>as a Run list</Link>}>
        {data.downstreams.length === 0 ? (
          <Empty>No Run has read this Data yet.</Empty>
        ) : (
          <table className="table" data-testid="downstream-runs">
            <thead>
              <tr><th>Run</th><th>Status</th><th>Plan</th><th>Mounted at</th><th>Updated</th></tr>
            </thead>
            <tbody>
              {data.downstreams.map(({ run, mountpoint }) => (
                <tr key={`${run.runId}${mountpoint.path}`}>
                  <td><Id id={run.runId} to={`/runs/${run.runId}`} /></td>
                  <td><StatusBadge status={run.status} /></td>
                  <td><Link to={`/plans/${run.plan.planId}`}>{planTitle(run.plan)}</Link></td>
                  <td><code>{mountpoint.path}</code></td>
                  <td><Time at={run.updatedAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title="Nominated for">
        {data.nomination.length === 0 ? (
          <Empty>No Plan's input matches these tags.</Empty>
        ) : (
          <ul className="plain-list">
            {data.nomination.map((n) => (
              <li key={`${n.plan.planId}${n.path}`}>
                <Link to={`/plans/${n.plan.planId}`}>{planTitle(n.plan)}</Link> at <code>{n.path}</code>{" "}
                <Tags tags={n.tags} />
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title="History">
        <ul className="plain-list history">
          {data.history.map((h, index) => (
            <li key={index}><strong>{h.action}</strong> by {h.by}, <Time at={h.at} /></li>
          ))}
        </ul>
      </Section>
    </div>
  );
}
