// The current hash route as reactive state: follows `hashchange`, navigates by setting the hash.
import { parseRoute, routeHash, type PageName, type Route } from './route.js';

export class Router {
  route = $state<Route>(parseRoute(''));
  #win: Pick<Window, 'location' | 'addEventListener' | 'removeEventListener'>;
  #onChange = () => (this.route = parseRoute(this.#win.location.hash));

  constructor(win: Pick<Window, 'location' | 'addEventListener' | 'removeEventListener'>) {
    this.#win = win;
    this.route = parseRoute(win.location.hash);
    win.addEventListener('hashchange', this.#onChange);
  }

  go(page: PageName, id?: string | number | null, params?: Record<string, string | number | undefined>): void {
    this.#win.location.hash = routeHash(page, id, params);
  }

  destroy(): void {
    this.#win.removeEventListener('hashchange', this.#onChange);
  }
}
