/**
 * The path of a request target, or undefined when it cannot be parsed. `new URL` rejects
 * targets such as `//`, `//:99999` or `http://[`; Node's HTTP parser lets them through, and a
 * throw in a request handler would end the process.
 */
export function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
