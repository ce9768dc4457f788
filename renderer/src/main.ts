// The renderer's entry: connects the API (preload bridge or HTTP), drops the access token from the address bar
// (the server has set it as a cookie), and mounts the app.
import { mount } from 'svelte';
import App from './App.svelte';
import { connectApi } from './lib/connect.js';
import './styles.css';

const url = new URL(window.location.href);
if (url.searchParams.has('token')) {
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.pathname + (url.search === '?' ? '' : url.search) + url.hash);
}

const connected = connectApi(window);
const target = document.getElementById('app')!;
target.replaceChildren();
mount(App, { target, props: { connected } });
