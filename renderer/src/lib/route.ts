// Hash routes of the renderer (`#/runs/12`, `#/compare?runs=1,2`): parsing and building, as pure functions.
// Hash routes work the same over HTTP (`serve`) and from file:// (Electron).

export const PAGES = ['experiments', 'runs', 'run', 'compare', 'attempts', 'export', 'settings'] as const;
export type PageName = (typeof PAGES)[number];

export interface Route {
  page: PageName;
  /** The path segment after the page (`#/run/12` → '12'), or null. */
  id: string | null;
  /** The query string's parameters (`#/compare?runs=1,2` → { runs: '1,2' }). */
  params: Record<string, string>;
}

export const DEFAULT_ROUTE: Route = { page: 'runs', id: null, params: {} };

/** Parses `location.hash`; unknown pages fall back to the runs list. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q >= 0 ? raw.slice(0, q) : raw;
  const query = q >= 0 ? raw.slice(q + 1) : '';
  const [page, id] = pathPart.split('/').filter((s) => s !== '');
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) params[k] = v;
  if (!page || !(PAGES as readonly string[]).includes(page)) return { ...DEFAULT_ROUTE, params };
  return { page: page as PageName, id: id !== undefined ? decodeURIComponent(id) : null, params };
}

/** The hash for a route (`#/run/12?x=1`). */
export function routeHash(page: PageName, id?: string | number | null, params: Record<string, string | number | undefined> = {}): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '');
  const query = entries.length > 0 ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
  return `#/${page}${id !== undefined && id !== null ? `/${encodeURIComponent(String(id))}` : ''}${query}`;
}
