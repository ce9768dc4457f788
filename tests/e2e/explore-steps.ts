// The Attempts explorer and Export steps of the end-to-end flow (issue #7, pages 5–6): owned by the
// ui-explore branch, which replaces this placeholder; studio.test.ts calls it after the runs have finished.
import type { Page } from 'playwright-core';
import type { Studio } from './harness.js';

export interface ExploreContext {
  page: Page;
  studio: Studio;
  /** The finished training runs of the flow (each has metrics, episodes, attempts and eval results). */
  runIds: number[];
  /** Saves tests/e2e/screenshots/<name>.png. */
  screenshot(name: string): Promise<string>;
}

/** Open the attempts explorer and an episode; export CSV and check its contents. (Placeholder: nothing yet.) */
export async function exploreSteps(_ctx: ExploreContext): Promise<void> {}
