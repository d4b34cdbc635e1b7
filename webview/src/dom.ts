/** Tiny DOM builders: every string goes in as text (textContent), never as markup. */

type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, ...children: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, cls?: string, ...children: Child[]): HTMLElement;
export function el(tag: string, cls?: string, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  append(e, ...children);
  return e;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === false) continue;
    parent.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function text(tag: string, cls: string | undefined, value: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.textContent = value;
  return e;
}

/** A vscode-elements button (a custom element, created like any other). */
export function button(label: string, onClick: () => void, secondary = false, tooltip?: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (secondary) b.setAttribute('secondary', '');
  if (tooltip) b.title = tooltip;
  b.addEventListener('click', onClick);
  return b;
}

/** A labelled vscode-single-select (`data-select` = name) that calls onChange with the chosen value. */
export function select(label: string, options: Array<[string, string]>, value: string, onChange: (v: string) => void, name: string): HTMLElement {
  const s = document.createElement('vscode-single-select');
  s.dataset.select = name;
  for (const [v, t] of options) {
    const o = document.createElement('vscode-option');
    o.value = v;
    o.textContent = t;
    if (v === value) o.selected = true;
    s.append(o);
  }
  s.addEventListener('change', () => onChange(s.value));
  return el('label', 'field', text('span', 'field-label', label), s);
}
