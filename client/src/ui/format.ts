/** Human-readable sizes and rates for the page. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

export function shortId(hex: string): string {
  return hex.slice(0, 8);
}

/** Time left as a person reads it: "45 s", "3 min 20 s", "2 h 5 min", "more than a day". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return s % 60 === 0 || m >= 10 ? `${m} min` : `${m} min ${s % 60} s`;
  }
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  return 'more than a day';
}

/** Storage used and available, from `navigator.storage.estimate()`; undefined parts are unknown. */
export function formatStorage(usage: number | undefined, quota: number | undefined): string {
  if (usage === undefined && quota === undefined) return 'The browser does not say how much storage is used.';
  if (quota === undefined) return `${formatBytes(usage ?? 0)} used`;
  if (usage === undefined) return `${formatBytes(quota)} available`;
  const free = Math.max(0, quota - usage);
  const share = quota > 0 ? (usage / quota) * 100 : 0;
  const percent = share > 0 && share < 1 ? '<1' : String(Math.round(share));
  return `${formatBytes(usage)} used (${percent}%), ${formatBytes(free)} free of ${formatBytes(quota)}`;
}
