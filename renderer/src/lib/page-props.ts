// What App.svelte hands every page: the API, the parsed route, navigation, the shared live runs list, and
// whether this is the desktop app (native dialogs) or a browser.
import type { StudioApi } from './api-client.js';
import type { PageName, Route } from './route.js';
import type { RunsStore } from './runs-store.svelte.js';

export interface PageProps {
  api: StudioApi;
  route: Route;
  go: (page: PageName, id?: string | number | null, params?: Record<string, string | number | undefined>) => void;
  /** All runs, kept live by the runs:status / runs:progress events. */
  runs: RunsStore;
  desktop: boolean;
}
