// Colour maps: a depth ramp for per-layer series (input → output) and viridis for the heatmap.

type Rgb = [number, number, number];

/** Samples of matplotlib's viridis at 0, 1/8, …, 1. */
const VIRIDIS: Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** matplotlib's plasma from 0 to 0.85: dark enough at its bright end to read on white. */
const DEPTH: Rgb[] = [
  [13, 8, 135],
  [84, 2, 163],
  [139, 10, 165],
  [185, 50, 137],
  [219, 92, 104],
  [244, 136, 73],
  [236, 160, 40],
];

function sample(map: Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (map.length - 1);
  const i = Math.min(map.length - 2, Math.floor(x));
  const f = x - i;
  const a = map[i];
  const b = map[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

const css = ([r, g, b]: Rgb) => `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;

export function viridis(t: number): Rgb {
  return sample(VIRIDIS, t);
}

export function viridisCss(t: number): string {
  return css(viridis(t));
}

/** Colour of layer `index` of `count`: first layer dark blue, last orange. */
export function depthColor(index: number, count: number): string {
  return css(sample(DEPTH, count <= 1 ? 0 : index / (count - 1)));
}

/** CSS gradient of the depth ramp, for its legend. */
export function depthGradient(): string {
  return `linear-gradient(to right, ${DEPTH.map(css).join(', ')})`;
}

export function viridisGradient(direction = 'to right'): string {
  return `linear-gradient(${direction}, ${VIRIDIS.map(css).join(', ')})`;
}

/** Distinct colours for runs compared side by side (Okabe–Ito, colour-blind safe). */
export const RUN_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];

export function runColor(i: number): string {
  return RUN_COLORS[i % RUN_COLORS.length];
}
