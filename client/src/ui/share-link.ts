/**
 * The link a person passes on: the page's own address with the magnet in the fragment, so it
 * opens tabswarm (on a phone too) and starts the download; the fragment never goes to the
 * server. The query (page options such as `?tracker=off`) is the sharer's own and is left out.
 */
export function shareLink(page: { origin: string; pathname: string }, magnet: string): string {
  return `${page.origin}${page.pathname}#${magnet}`;
}
