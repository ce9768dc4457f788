// Ambient types of the renderer: .svelte components as modules (their own types are checked by the Svelte
// compiler at build time), and the preload bridge Electron may expose.
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<any>;
  export default component;
}
