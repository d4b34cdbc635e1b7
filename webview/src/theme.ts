/**
 * Chart colours come from VS Code's theme (--vscode-* variables), so the charts match the
 * editor in light, dark and high-contrast themes. report.html has no editor around it: there
 * the stylesheet defines fallback values and the body class follows prefers-color-scheme.
 */

export interface Palette {
  fg: string;
  muted: string;
  bg: string;
  border: string;
  grid: string;
  accent: string;
  /** Series colours: OPTIN, magnitude, random, extra. */
  blue: string;
  orange: string;
  purple: string;
  green: string;
  red: string;
  yellow: string;
  font: string;
  mono: string;
  highContrast: boolean;
  dark: boolean;
}

/** Resolves a CSS colour expression (with var() fallbacks) to rgb()/rgba() through a probe element. */
function resolveColor(probe: HTMLElement, expr: string): string {
  probe.style.color = '';
  probe.style.color = expr;
  return getComputedStyle(probe).color;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function readPalette(): Palette {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  document.body.append(probe);
  const c = (expr: string) => resolveColor(probe, expr);
  const cls = document.body.classList;
  const p: Palette = {
    fg: c('var(--vscode-editor-foreground, var(--vscode-foreground, #333))'),
    muted: c('var(--vscode-descriptionForeground, #717171)'),
    bg: c('var(--vscode-editor-background, #fff)'),
    border: c('var(--vscode-panel-border, var(--vscode-widget-border, #ccc))'),
    grid: c('var(--vscode-charts-lines, rgba(128, 128, 128, 0.35))'),
    accent: c('var(--vscode-focusBorder, #0078d4)'),
    blue: c('var(--vscode-charts-blue, #1a85ff)'),
    orange: c('var(--vscode-charts-orange, #d18616)'),
    purple: c('var(--vscode-charts-purple, #652d90)'),
    green: c('var(--vscode-charts-green, #388a34)'),
    red: c('var(--vscode-charts-red, #e51400)'),
    yellow: c('var(--vscode-charts-yellow, #bf8803)'),
    font: cssVar('--vscode-font-family', 'system-ui, sans-serif'),
    mono: cssVar('--vscode-editor-font-family', 'monospace'),
    highContrast: cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light'),
    dark: cls.contains('vscode-dark') || (cls.contains('vscode-high-contrast') && !cls.contains('vscode-high-contrast-light')),
  };
  probe.remove();
  return p;
}

function channels(color: string): [number, number, number, number] {
  const m = /rgba?\(([^)]+)\)/.exec(color);
  if (!m) return [128, 128, 128, 1];
  const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
}

/** `a` blended towards `b` by t (0 = a, 1 = b), opaque. */
export function mix(a: string, b: string, t: number): string {
  const x = channels(a);
  const y = channels(b);
  const ch = (i: number) => Math.round(x[i] + (y[i] - x[i]) * t);
  return `rgb(${ch(0)}, ${ch(1)}, ${ch(2)})`;
}

function luminance(color: string): number {
  const [r, g, b] = channels(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The colour at t in [0, 1] along evenly spaced stops. */
export function along(stops: string[], t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  return mix(stops[i], stops[i + 1], x - i);
}

/** fg or bg, whichever reads better on the scale colour at t. */
export function contrastText(stops: string[], t: number, p: Palette): string {
  const cell = luminance(along(stops, t));
  const ratio = (c: string) => {
    const l = luminance(c);
    return (Math.max(l, cell) + 0.05) / (Math.min(l, cell) + 0.05);
  };
  return ratio(p.fg) >= ratio(p.bg) ? p.fg : p.bg;
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b] = channels(color);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Calls `onChange` when VS Code switches theme (it swaps the body's class). */
export function watchTheme(onChange: () => void): void {
  let last = document.body.className;
  new MutationObserver(() => {
    if (document.body.className === last) return;
    last = document.body.className;
    onChange();
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** report.html: mirror the OS colour scheme with the class VS Code would set. */
export function followColorScheme(): void {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const apply = () => {
    document.body.classList.remove('vscode-light', 'vscode-dark');
    document.body.classList.add(query.matches ? 'vscode-dark' : 'vscode-light');
  };
  apply();
  query.addEventListener('change', apply);
}
