// The attempts explorer's state: the filter, the loaded pages of episodes (keyset: "load more" appends the next
// page; a partial page — the server's scan budget ran out — is continued automatically a few times), the run's
// facets for the pickers, and the opened episode with its dialogue. Given the API client.
import type { EpisodeFacetsView, EpisodeSummary, MethodOutput } from '../../../backend/api/contract.js';
import type { StudioApi } from './api-client.js';
import { EMPTY_FILTER, episodeQuery, stepRangeError, type AttemptsFilter } from './attempts-view.js';

export type EpisodeDetail = MethodOutput<'episodes:get'>;

/** Requests one "load" may chain while pages come back partial before it stops and offers to go on. */
const MAX_CONTINUES = 8;

export class AttemptsStore {
  filter = $state<AttemptsFilter>({ ...EMPTY_FILTER });
  items = $state.raw<EpisodeSummary[]>([]);
  facets = $state.raw<EpisodeFacetsView | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Where the next page starts; null when everything matching is loaded. */
  cursor = $state<string | null>(null);
  /** The last load stopped on a partial page: the scan continues from `cursor` on "load more". */
  searching = $state(false);
  /** Whether anything was loaded for the current filter yet (distinguishes "no matches" from "not loaded"). */
  loaded = $state(false);

  detail = $state.raw<EpisodeDetail | null>(null);
  detailLoading = $state(false);
  detailError = $state<string | null>(null);

  readonly pageSize: number;
  #api: StudioApi;
  /** Increments with each new query, so answers to an older one are dropped. */
  #generation = 0;
  /** The episode being opened, so only the last click's answer is shown. */
  #opening: number | null = null;

  constructor(api: StudioApi, pageSize = 50) {
    this.#api = api;
    this.pageSize = pageSize;
  }

  get hasMore(): boolean {
    return this.cursor !== null;
  }

  get filterError(): string | null {
    return stepRangeError(this.filter);
  }

  /** Loads the run's facets (datasets, splits, steps) for the pickers. */
  async loadFacets(): Promise<void> {
    const runId = this.filter.runId;
    if (runId === null) return void (this.facets = null);
    try {
      const f = await this.#api.call('episodes:facets', { runId });
      if (this.filter.runId === runId) this.facets = f;
    } catch (err) {
      if (this.filter.runId === runId) this.error = (err as Error).message;
    }
  }

  /** Starts over with the current filter: the first page. */
  async search(): Promise<void> {
    this.#generation++;
    this.items = [];
    this.cursor = null;
    this.searching = false;
    this.loaded = false;
    this.error = null;
    if (this.filter.runId === null || this.filterError) return;
    await this.#load(undefined);
  }

  /** The next page (or continues a partial scan). */
  async loadMore(): Promise<void> {
    if (this.cursor === null || this.loading) return;
    await this.#load(this.cursor);
  }

  async #load(cursor: string | undefined): Promise<void> {
    const q = episodeQuery(this.filter);
    if (!q) return;
    const generation = this.#generation;
    this.loading = true;
    this.error = null;
    try {
      let got: EpisodeSummary[] = [];
      let next: string | null = cursor ?? null;
      let partial = false;
      // Partial pages carry fewer than a page of matches; keep scanning a bounded number of times.
      for (let i = 0; i <= MAX_CONTINUES; i++) {
        const page = await this.#api.call('episodes:list', { ...q, limit: this.pageSize, ...(next !== null ? { cursor: next } : {}) });
        if (generation !== this.#generation) return;
        got = got.concat(page.items);
        next = page.nextCursor;
        partial = page.partial;
        if (!partial || next === null || got.length >= this.pageSize) break;
      }
      this.items = this.items.concat(got);
      this.cursor = next;
      this.searching = partial && next !== null;
      this.loaded = true;
    } catch (err) {
      if (generation === this.#generation) this.error = (err as Error).message;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Opens one episode (its whole dialogue). */
  async open(episodeId: number): Promise<void> {
    if (this.detail?.id === episodeId) return;
    this.#opening = episodeId;
    this.detailLoading = true;
    this.detailError = null;
    try {
      const d = await this.#api.call('episodes:get', { episodeId });
      if (this.#opening === episodeId) this.detail = d; // a later click wins
    } catch (err) {
      if (this.#opening !== episodeId) return;
      this.detail = null;
      this.detailError = (err as Error).message;
    } finally {
      if (this.#opening === episodeId) this.detailLoading = false;
    }
  }

  close(): void {
    this.#opening = null;
    this.detail = null;
    this.detailError = null;
    this.detailLoading = false;
  }
}
