// A <details> used as a popover (menus, "Runs shown" pickers): it closes on
// Escape (focus back on its summary) and on a click outside it, as menus do.

export function menu(node: HTMLDetailsElement): { destroy(): void } {
  const close = (e: Event) => {
    if (!node.open) return;
    if (e instanceof KeyboardEvent) {
      if (e.key !== 'Escape') return;
      node.open = false;
      node.querySelector('summary')?.focus();
    } else if (!node.contains(e.target as Node)) node.open = false;
  };
  document.addEventListener('click', close);
  node.addEventListener('keydown', close);
  return {
    destroy() {
      document.removeEventListener('click', close);
      node.removeEventListener('keydown', close);
    },
  };
}
