/** Default key prefix: several deployments can share one Redis under different prefixes. */
export const DEFAULT_REDIS_PREFIX = 'tabswarm:';

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparseable url)';
  }
}
