// since + duration, as the API's findData and findRuns take them (RFC 3339, Go duration).

const DURATIONS: [string, string][] = [
  ["", "any length"], ["1h", "1 hour"], ["24h", "1 day"], ["168h", "1 week"], ["720h", "30 days"],
];

/** The value of a datetime-local input for an RFC 3339 time, in the browser's zone. */
function toLocalInput(rfc3339: string): string {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function TimeRange({ since, duration, onChange }: {
  since: string; duration: string; onChange: (since: string, duration: string) => void;
}) {
  return (
    <div className="time-range">
      <label>
        since
        <input
          type="datetime-local"
          value={since ? toLocalInput(since) : ""}
          onChange={(event) => {
            const value = event.target.value;
            onChange(value ? new Date(value).toISOString() : "", value ? duration : "");
          }}
        />
      </label>
      <label>
        for
        <select value={duration} disabled={!since} onChange={(event) => onChange(since, event.target.value)}>
          {DURATIONS.map(([value, text]) => (
            <option key={value} value={value}>{text}</option>
          ))}
        </select>
      </label>
    </div>
  );
}
