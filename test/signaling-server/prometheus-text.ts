/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line is a HELP or TYPE
 * comment or a sample, every sample belongs to a family with a TYPE, and a counter family's
 * samples end in `_total`. Throws naming the first line that breaks a rule.
 */
export function parsePrometheusText(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
      if (m === null) throw new Error(`${where}: not a HELP or TYPE comment`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3] ?? '')) throw new Error(`${where}: unknown type`);
        types.set(m[2] ?? '', m[3] ?? '');
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`${where}: not a sample`);
    const [, name = '', labelText = '', valueText = ''] = m;
    const value = floatOf(valueText);
    if (value === undefined) throw new Error(`${where}: value is not a number`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const l = LABEL.exec(labelText);
      if (l === null) throw new Error(`${where}: bad labels`);
      labels[l[1] ?? ''] = l[2] ?? '';
    }
    const family = [...types.keys()].find(
      (f) => name === f || /^_(total|sum|count|bucket|created)$/.test(name.slice(f.length)),
    );
    if (family === undefined) throw new Error(`${where}: sample of a family with no TYPE`);
    if (types.get(family) === 'counter' && !name.endsWith('_total'))
      throw new Error(`${where}: counter without _total`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

/** A sample value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case). */
function floatOf(text: string): number | undefined {
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/** The value of the sample `name` with `labels` (all of them), or undefined. */
export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}
