// Small pieces every view uses: status badges, tags, ids, times, loading and empty states.

import type { ReactNode } from "react";
import { Link } from "react-router";
import { formatTime, isSystemTag, shortId } from "../format";
import type { RunStatus } from "../gql/graphql";
import { toneOf } from "../status";

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`status status-${toneOf(status)}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {status}
    </span>
  );
}

export function Tag({ tag, onRemove }: { tag: string; onRemove?: () => void }) {
  const at = tag.indexOf(":");
  const key = at >= 0 ? tag.slice(0, at) : tag;
  const value = at >= 0 ? tag.slice(at + 1) : "";
  return (
    <span className={isSystemTag(tag) ? "tag tag-system" : "tag"} data-tag={tag}>
      <span className="tag-key">{key}</span>
      {at >= 0 && <span className="tag-value">{value}</span>}
      {onRemove && (
        <button type="button" className="tag-remove" onClick={onRemove} aria-label={`remove tag ${tag}`} title="Remove">
          ×
        </button>
      )}
    </span>
  );
}

export function Tags({ tags, hideSystem = false }: { tags: readonly string[]; hideSystem?: boolean }) {
  const shown = hideSystem ? tags.filter((tag) => !isSystemTag(tag)) : tags;
  if (!shown.length) return <span className="muted">no tags</span>;
  return (
    <span className="tags">
      {shown.map((tag) => (
        <Tag key={tag} tag={tag} />
      ))}
    </span>
  );
}

export function Id({ id, to }: { id: string; to?: string }) {
  const text = <code className="id" title={id}>{shortId(id)}</code>;
  return to ? <Link to={to} className="id-link">{text}</Link> : text;
}

export function Time({ at }: { at: string | null | undefined }) {
  return <time dateTime={at ?? undefined} title={at ?? undefined}>{formatTime(at)}</time>;
}

export function Loading({ what }: { what: string }) {
  return <div className="loading" role="status">Loading {what}…</div>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      <header className="card-header">
        <h2>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      <div className="card-body">{children}</div>
    </section>
  );
}

/** A definition list of label → value rows. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
