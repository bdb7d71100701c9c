// A plan's spec as YAML, in the keys of Knitfab's plan file (what `knit plan show` would apply).

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

function scalar(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "null";
  if (typeof value !== "string") return String(value);
  // Quote what YAML would read as something else than this string.
  return /^[\w./@-][\w ./:@=#+-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~|[-+]?[\d.]+)$/i.test(value) && !/: |\s$/.test(value)
    ? value
    : JSON.stringify(value);
}

function lines(value: Value, indent: string): string[] {
  if (Array.isArray(value)) {
    if (!value.length) return [`${indent}[]`];
    return value.flatMap((item) => {
      const inner = lines(item, `${indent}  `);
      if (item !== null && typeof item === "object") return [`${indent}- ${inner[0].trimStart()}`, ...inner.slice(1)];
      return [`${indent}- ${scalar(item as string)}`];
    });
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return [`${indent}{}`];
    return entries.flatMap(([key, item]) => {
      if (item !== null && typeof item === "object" && (!Array.isArray(item) || item.length)) {
        return [`${indent}${key}:`, ...lines(item, `${indent}  `)];
      }
      return [`${indent}${key}: ${Array.isArray(item) ? "[]" : scalar(item as string)}`];
    });
  }
  return [`${indent}${scalar(value)}`];
}

export function toYaml(value: Value): string {
  return `${lines(value, "").join("\n")}\n`;
}

export type { Value as YamlValue };
