/** One colour per compared run, from the theme's chart colours (so light, dark and high contrast all work). */
import type { Palette } from '../theme';

export function runColour(p: Palette, i: number): string {
  const colours = [p.blue, p.orange, p.purple, p.green, p.red, p.yellow];
  return colours[i % colours.length];
}
