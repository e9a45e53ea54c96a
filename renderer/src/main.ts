import { mount } from 'svelte';
import { z } from 'zod';
import App from './App.svelte';
import { connectEngine } from './lib/api';
import './app.css';
import { errorMessage } from '../../electron/engine/util/errorMessage';

// The CSP forbids eval: keep zod off its Function()-compiled fast path.
z.config({ jitless: true });

const target = document.getElementById('app')!;

function fatal(message: string): void {
  target.replaceChildren();
  const box = document.createElement('main');
  box.className = 'fatal';
  box.setAttribute('role', 'alert');
  box.setAttribute('data-testid', 'fatal');
  const h = document.createElement('h1');
  h.textContent = 'Cannot reach the engine';
  const p = document.createElement('p');
  p.textContent = message;
  box.append(h, p);
  target.append(box);
}

connectEngine()
  .then((connection) => mount(App, { target, props: { connection } }))
  .catch((e: unknown) => fatal(errorMessage(e)));
