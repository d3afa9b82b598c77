/**
 * Small inline-SVG charts for the HTML report: pure functions from numbers to markup, no
 * fonts, scripts or external references. Bars are horizontal so that long model names fit as
 * category labels. Every chart carries a <title>, axis labels and value labels; hovering a bar
 * or point shows its exact figures through a nested <title>.
 */
import { html, type Html } from './escape.js';

export interface BarValue {
  value: number | null;
  /** 95% interval, drawn as a whisker when both ends are known. */
  low?: number | null;
  high?: number | null;
  /** Extra words for the hover title, e.g. "3/10". */
  note?: string;
}

export interface Bar extends BarValue {
  label: string;
}

interface AxisText {
  /** Names the chart for screen readers and hover (the SVG <title>). */
  title: string;
  /** Label of the value axis. */
  valueLabel: string;
  /** Label of the category axis. */
  categoryLabel: string;
  format: (v: number) => string;
  /** Fixed end of the value axis (1 for rates); otherwise taken from the data. */
  max?: number;
  /**
   * For a measured quantity (latency, cost): every value 0 means nothing was measured (an
   * offline rehearsal), so a note replaces an axis that would run from 0 to 0.
   */
  zeroIsNoData?: boolean;
}

export interface BarChartSpec extends AxisText {
  bars: Bar[];
}

export interface GroupedBarChartSpec extends AxisText {
  series: string[];
  groups: Array<{ label: string; values: BarValue[] }>;
}

export interface LineSeries {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  format: (v: number) => string;
}

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#999999'];
export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length] ?? '#000000';

const WIDTH = 640;
const CHAR_W = 6.4; // rough width of one 11px sans-serif character; labels are clipped to fit
const n1 = (v: number): string => (Math.round(v * 10) / 10).toString();

export function clip(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, Math.max(1, max - 1))}…`;
}

/** A 'no data' note in place of a chart, so an empty report still reads cleanly. */
export function noData(title: string): Html {
  return html`<p class="no-data">${title}: no data.</p>`;
}

/** An axis end that rounds `max` up to 1, 2 or 5 times a power of ten, with its tick step. */
export function niceScale(max: number, ticks = 4): { end: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { end: 1, step: 0.25 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  return { end: Math.ceil(max / step - 1e-9) * step, step };
}

function tickValues(end: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * step <= end + step * 1e-6; i++) out.push(i * step);
  return out;
}

/** A note in place of a chart whose values are all zero: nothing to compare. */
export function allZero(title: string, zero: string): Html {
  return html`<p class="no-data">${title}: every value is ${zero}; nothing was measured.</p>`;
}

/**
 * Tick values whose printed labels differ: a scale finer than the format prints (0.001 s
 * shown as 0.00) would otherwise label several ticks alike. The first of each label stays.
 */
export function distinctTicks(ticks: number[], format: (v: number) => string): number[] {
  const seen = new Set<string>();
  return ticks.filter((t) => {
    const label = format(t);
    if (seen.has(label)) return false;
    seen.add(label);
    return true;
  });
}

function svgOpen(title: string, height: number, width = WIDTH): Html {
  return html`<svg class="plot" xmlns="http://www.w3.org/2000/svg" role="img" width="${n1(width)}" height="${n1(height)}" viewBox="0 0 ${n1(width)} ${n1(height)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11"><title>${title}</title>`;
}

/** Width of a legend entry: swatch, gap, the whole name, and room before the next. */
const legendItemWidth = (name: string): number => 14 + name.length * CHAR_W + 18;

/** The width a chart needs so that no legend entry is cut off (at least the standard width). */
export function widthForLegend(series: string[], x0: number): number {
  const widest = Math.max(0, ...series.map(legendItemWidth));
  return Math.max(WIDTH, Math.min(x0, 16) + widest + 8);
}

/**
 * The legend: columns as wide as the longest name, as many per row as fit. Names are never
 * clipped: a name too long to fit beside the plot starts the legend at the left edge, and the
 * chart grows (`widthForLegend`) rather than cutting it off.
 */
export function legend(series: string[], y: number, x0: number, width = WIDTH, dashes = false): { markup: Html; height: number } {
  const colW = Math.max(...series.map(legendItemWidth), 1);
  const start = x0 + colW <= width ? x0 : 16;
  const perRow = Math.max(1, Math.floor((width - start) / colW));
  const items = series.map((name, i) => {
    const x = start + (i % perRow) * colW;
    const row = y + Math.floor(i / perRow) * 16;
    const swatch = dashes
      ? html`<line x1="${n1(x - 2)}" x2="${n1(x + 12)}" y1="${row - 3}" y2="${row - 3}" stroke="${seriesColor(i)}" stroke-width="2.5"${dashArray(i)}/>`
      : html`<rect x="${n1(x)}" y="${row - 8}" width="10" height="10" fill="${seriesColor(i)}"/>`;
    return html`<g class="legend">${swatch}<text x="${n1(x + 14)}" y="${row + 1}"><title>${name}</title>${name}</text></g>`;
  });
  return { markup: html`${items}`, height: Math.ceil(series.length / perRow) * 16 };
}

/** Dash patterns per series, so lines that meet or cross stay apart without relying on colour. */
const DASHES = ['', '6 3', '2 3', '9 3 2 3'];
function dashArray(i: number): Html {
  const d = DASHES[i % DASHES.length] ?? '';
  return d ? html` stroke-dasharray="${d}"` : html``;
}

/**
 * Moves labels apart vertically so that none overlaps the next: sorted by position, each at
 * least `gap` below the one before, the whole column pulled back up if it runs past `max`.
 */
export function spreadLabels(ys: number[], gap: number, min: number, max: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed: number[] = [];
  for (const [k, o] of order.entries()) placed[k] = Math.max(o.y, min, k > 0 ? placed[k - 1]! + gap : -Infinity);
  const over = (placed.at(-1) ?? 0) - max;
  if (over > 0) {
    for (let k = placed.length - 1; k >= 0; k--) {
      const limit = k === placed.length - 1 ? max : placed[k + 1]! - gap;
      placed[k] = Math.min(placed[k]!, limit);
    }
  }
  const out: number[] = new Array<number>(ys.length);
  for (const [k, o] of order.entries()) out[o.i] = placed[k]!;
  return out;
}

function whisker(low: number, high: number, y: number, half: number): Html {
  return html`<g class="whisker" stroke="#333" stroke-width="1.2"><line x1="${n1(low)}" x2="${n1(high)}" y1="${n1(y)}" y2="${n1(y)}"/><line x1="${n1(low)}" x2="${n1(low)}" y1="${n1(y - half)}" y2="${n1(y + half)}"/><line x1="${n1(high)}" x2="${n1(high)}" y1="${n1(y - half)}" y2="${n1(y + half)}"/></g>`;
}

/** Horizontal bars, one row per category and series; the shared engine of both bar charts. */
function horizontalBars(spec: AxisText, series: string[], groups: GroupedBarChartSpec['groups']): Html {
  const values = groups.flatMap((g) => g.values);
  const known = values.flatMap((v) => [v.value, v.high ?? null]).filter((v): v is number => v !== null && Number.isFinite(v));
  if (groups.length === 0 || !values.some((v) => v.value !== null)) return noData(spec.title);
  if (spec.zeroIsNoData && known.every((v) => v === 0)) return allZero(spec.title, spec.format(0));
  // A fixed end must be positive: a zero step would never reach it (the tick loop would not end).
  const { end, step } = spec.max !== undefined && spec.max > 0 ? { end: spec.max, step: spec.max / 4 } : niceScale(Math.max(...known));
  const labelChars = Math.min(28, Math.max(6, ...groups.map((g) => g.label.length)));
  const left = 16 + labelChars * CHAR_W;
  const right = WIDTH - 72;
  const barH = series.length > 1 ? 13 : 18;
  const groupH = series.length * barH + 10;
  const width = series.length > 1 ? widthForLegend(series, left) : WIDTH;
  const lg = series.length > 1 ? legend(series, 14, left, width) : null;
  const top = 26 + (lg ? lg.height + 4 : 0);
  const plotH = groups.length * groupH;
  const height = top + plotH + 44;
  const x = (v: number): number => left + (Math.min(Math.max(v, 0), end) / end) * (right - left);
  const ticks = distinctTicks(tickValues(end, step), spec.format).map(
    (t) =>
      html`<line x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${top}" y2="${top + plotH}" stroke="#e3e3e3"/><text x="${n1(x(t))}" y="${top + plotH + 14}" text-anchor="middle" fill="#555">${spec.format(t)}</text>`,
  );
  const rows = groups.map((g, gi) => {
    const y0 = top + gi * groupH + 5;
    const bars = g.values.map((v, si) => {
      const y = y0 + si * barH;
      const name = series.length > 1 ? `${g.label} / ${series[si] ?? ''}` : g.label;
      if (v.value === null) return html`<text x="${n1(left + 4)}" y="${n1(y + barH / 2 + 4)}" fill="#777" font-style="italic">no data</text>`;
      const hasCi = v.low !== undefined && v.low !== null && v.high !== undefined && v.high !== null;
      const ci = hasCi ? ` (95% CI ${spec.format(v.low as number)}–${spec.format(v.high as number)})` : '';
      const tip = `${name}: ${spec.format(v.value)}${ci}${v.note ? `, ${v.note}` : ''}`;
      const endX = Math.max(x(v.value), hasCi ? x(v.high as number) : 0);
      return html`<g class="bar"><title>${tip}</title><rect x="${n1(left)}" y="${n1(y + 1)}" width="${n1(Math.max(x(v.value) - left, 1))}" height="${barH - 2}" fill="${seriesColor(si)}" fill-opacity="0.85"/>${hasCi ? whisker(x(v.low as number), x(v.high as number), y + barH / 2, barH / 2 - 3) : ''}<text class="value" x="${n1(endX + 4)}" y="${n1(y + barH / 2 + 4)}" fill="#222">${spec.format(v.value)}</text></g>`;
    });
    return html`<text x="${n1(left - 8)}" y="${n1(y0 + (series.length * barH) / 2 + 4)}" text-anchor="end" fill="#222"><title>${g.label}</title>${clip(g.label, labelChars)}</text>${bars}`;
  });
  return html`${svgOpen(spec.title, height, width)}${lg ? lg.markup : ''}<text x="8" y="${top - 8}" font-weight="600" fill="#333">${spec.categoryLabel}</text>${ticks}<line x1="${n1(left)}" x2="${n1(left)}" y1="${top}" y2="${top + plotH}" stroke="#888"/>${rows}<text x="${n1((left + right) / 2)}" y="${height - 10}" text-anchor="middle" font-weight="600" fill="#333">${spec.valueLabel}</text></svg>`;
}

/** One bar per category, with a 95% interval whisker where known. */
export function barChart(spec: BarChartSpec): Html {
  return horizontalBars(
    spec,
    [''],
    spec.bars.map((b) => ({ label: b.label, values: [b] })),
  );
}

/** Several bars per category, one per series, with a legend. */
export function groupedBarChart(spec: GroupedBarChartSpec): Html {
  return horizontalBars(spec, spec.series, spec.groups);
}

/**
 * Lines over integer x values (steps); the last point of each series carries its value. Series
 * that share points would hide one another, so each is dodged sideways by a few pixels and
 * drawn with its own dash pattern; the end labels are moved apart so that none overlaps.
 */
export function lineChart(spec: LineChartSpec): Html {
  const series = spec.series.filter((s) => s.points.length > 0);
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) return noData(spec.title);
  const xs = points.map((p) => p.x);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const { end, step } = niceScale(Math.max(...points.map((p) => p.y)));
  const left = 56;
  const width = widthForLegend(
    series.map((s) => s.name),
    left,
  );
  const right = WIDTH - 64;
  const top = 16;
  const plotH = 200;
  const lg = legend(
    series.map((s) => s.name),
    top + plotH + 58,
    left,
    width,
    true,
  );
  const height = top + plotH + 58 + lg.height + 4;
  // Dodge: at most a third of the gap between steps, shared out over the series; the steps are
  // inset by the widest shift so that every dodged point stays inside the axes.
  const gapPx = xMax === xMin ? right - left : (right - left) / (xMax - xMin);
  const dodge = series.length > 1 ? Math.min(4, gapPx / 3 / series.length) : 0;
  const shift = (i: number): number => (i - (series.length - 1) / 2) * dodge;
  const inset = (dodge * (series.length - 1)) / 2;
  const x = (v: number): number => (xMax === xMin ? (left + right) / 2 : left + inset + ((v - xMin) / (xMax - xMin)) * (right - left - 2 * inset));
  const y = (v: number): number => top + plotH - (Math.min(Math.max(v, 0), end) / end) * plotH;
  const xStep = Math.max(1, Math.ceil((xMax - xMin) / 12));
  const xTicks: number[] = [];
  for (let t = xMin; t <= xMax; t += xStep) xTicks.push(t);
  const grid = html`${distinctTicks(tickValues(end, step), spec.format).map(
    (t) =>
      html`<line x1="${left}" x2="${right}" y1="${n1(y(t))}" y2="${n1(y(t))}" stroke="#e3e3e3"/><text x="${left - 6}" y="${n1(y(t) + 4)}" text-anchor="end" fill="#555">${spec.format(t)}</text>`,
  )}${xTicks.map((t) => html`<text x="${n1(x(t))}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${t}</text>`)}`;
  const sorted = series.map((s) => [...s.points].sort((a, b) => a.x - b.x));
  const lastYs = sorted.map((pts) => y(pts[pts.length - 1]?.y ?? 0) + 4);
  const labelYs = spreadLabels(lastYs, 12, top + 4, top + plotH + 4);
  const lines = series.map((s, i) => {
    const pts = sorted[i]!;
    const px = (v: number): number => x(v) + shift(i);
    const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${n1(px(p.x))},${n1(y(p.y))}`).join(' ');
    const color = seriesColor(i);
    const last = pts[pts.length - 1];
    const dots = pts.map(
      (p) => html`<circle cx="${n1(px(p.x))}" cy="${n1(y(p.y))}" r="3" fill="${color}"><title>${s.name}, ${spec.xLabel} ${p.x}: ${spec.format(p.y)}</title></circle>`,
    );
    const label = last
      ? html`<text class="value" x="${n1(x(xMax) + dodge * series.length + 8)}" y="${n1(labelYs[i]!)}" fill="${color}"><title>${s.name}</title>${spec.format(last.y)}</text>`
      : '';
    return html`<g class="series"><path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dashArray(i)}/>${dots}${label}</g>`;
  });
  const axes = html`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#888"/><line x1="${left}" x2="${right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`;
  const labels = html`<text x="${n1((left + right) / 2)}" y="${top + plotH + 36}" text-anchor="middle" font-weight="600" fill="#333">${spec.xLabel}</text><text transform="translate(14 ${n1(top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-weight="600" fill="#333">${spec.yLabel}</text>`;
  return html`${svgOpen(spec.title, height, width)}${grid}${axes}${lines}${labels}${lg.markup}</svg>`;
}
