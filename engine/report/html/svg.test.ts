import { describe, expect, it } from 'vitest';
import type { Html } from './escape.js';
import { escapeHtml } from './escape.js';
import { barChart, clip, distinctTicks, groupedBarChart, lineChart, niceScale, noData, seriesColor, spreadLabels, widthForLegend, type Bar, type LineSeries } from './svg.js';

// ---------------------------------------------------------------------------------------------
// A tiny XML reader: enough to tell well-formed SVG from broken markup, and to pull elements
// and their attributes out for the assertions below. No parser dependency for a few regexes.
// ---------------------------------------------------------------------------------------------

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
const TOKEN = /<\/([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>|[<&]/g;

/** What would stop an XML parser: unbalanced tags, unquoted or repeated attributes, a bare < or &. */
function xmlProblems(markup: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const bareAmpersands = (text: string, where: string) => {
    for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(text)) problems.push(`bare & ${where}`);
    }
  };
  if (!markup.startsWith('<svg')) problems.push('does not start with <svg');
  if (!markup.endsWith('</svg>')) problems.push('does not end with </svg>');
  for (const m of markup.matchAll(TOKEN)) {
    const [all, close, open, attrText = '', selfClosing] = m;
    if (close) {
      const top = stack.pop();
      if (top !== close) problems.push(`</${close}> at ${m.index} closes <${top ?? 'nothing'}>`);
    } else if (open) {
      if (stack.length === 0 && m.index !== 0) problems.push(`second root <${open}> at ${m.index}`);
      const names = [...attrText.matchAll(/([\w:.-]+)="/g)].map((a) => a[1]!);
      if (new Set(names).size !== names.length) problems.push(`repeated attribute in <${open}> at ${m.index}`);
      bareAmpersands(attrText, `in the attributes of <${open}> at ${m.index}`);
      if (!selfClosing) stack.push(open);
    } else if (all === '&') {
      ENTITY.lastIndex = m.index;
      if (!ENTITY.test(markup)) problems.push(`bare & at ${m.index}`);
    } else {
      problems.push(`bare < at ${m.index}: ${markup.slice(m.index, m.index + 30)}`);
    }
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.map((t) => `<${t}>`).join(' ')}`);
  return problems;
}

/** Every element with this tag name, as its attributes (unescaped only as far as tests need). */
function elements(markup: string, tag: string): Array<Record<string, string>> {
  return [...markup.matchAll(new RegExp(`<${tag}((?:\\s+[\\w:.-]+="[^"]*")*)\\s*/?>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w:.-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

/** The text of every <text> element, without its hover <title>. */
function texts(markup: string): Array<{ attrs: string; text: string }> {
  return [...markup.matchAll(/<text((?:\s+[\w:.-]+="[^"]*")*)>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/g)].map((m) => ({ attrs: m[1]!, text: m[2]! }));
}

/** The text of every <title> element. */
const titles = (markup: string) => [...markup.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!);

/** Numbers in geometry attributes and path data: all must be finite. */
function badNumbers(markup: string): string[] {
  const geometry = ['x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'width', 'height'];
  const out: string[] = [];
  for (const tag of ['svg', 'rect', 'line', 'circle', 'text', 'path']) {
    for (const a of elements(markup, tag)) {
      for (const k of geometry) if (k in a && !Number.isFinite(Number(a[k]))) out.push(`<${tag} ${k}="${a[k]}">`);
      if (a.d !== undefined && !/^([ML]-?\d+(\.\d+)?,-?\d+(\.\d+)?\s?)+$/.test(a.d)) out.push(`<path d="${a.d}">`);
    }
  }
  if (/NaN|Infinity|undefined/.test(markup)) out.push('NaN, Infinity or undefined in the markup');
  return out;
}

/** A chart is sound when it parses, has finite geometry and cannot run or load anything. */
function expectSound(chart: Html): string {
  const markup = chart.toString();
  expect(xmlProblems(markup)).toEqual([]);
  expect(badNumbers(markup)).toEqual([]);
  expect(markup).not.toMatch(/<script|<foreignObject|\son\w+=|href=|url\(/i);
  return markup;
}

// Formats that mark their output, so tick labels can be told apart from other text.
const units = (v: number) => `${Math.round(v * 100) / 100}u`;
const pct = (v: number) => `${Math.round(v * 100)}%`;

/** The value-axis tick labels: <text> without a class whose content is a formatted number. */
const tickLabels = (markup: string, unit = 'u') =>
  texts(markup)
    .filter((t) => !t.attrs.includes('class=') && new RegExp(`^-?[\\d.]+${unit}$`).test(t.text))
    .map((t) => ({ value: parseFloat(t.text), x: Number(/\sx="([^"]*)"/.exec(t.attrs)?.[1]), y: Number(/\sy="([^"]*)"/.exec(t.attrs)?.[1]) }));

/** The grid of a horizontal bar chart: vertical lines spanning the whole plot height. */
function verticalGrid(markup: string): { from: number; to: number } {
  const vertical = elements(markup, 'line').filter((l) => l.x1 === l.x2 && l.y1 !== l.y2);
  const span = (l: Record<string, string>) => Math.abs(Number(l.y2) - Number(l.y1));
  const full = Math.max(...vertical.map(span));
  const xs = vertical.filter((l) => span(l) === full).map((l) => Number(l.x1));
  return { from: Math.min(...xs), to: Math.max(...xs) };
}

const HOSTILE = '<script>alert("x")</script> & co';
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co';

describe('the XML check used here', () => {
  it('catches broken markup, so the checks below can fail', () => {
    expect(xmlProblems('<svg><g><rect x="1"/></g></svg>')).toEqual([]);
    expect(xmlProblems('<svg><text>a &amp; b &#96;</text></svg>')).toEqual([]);
    expect(xmlProblems('<svg><g></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><text>a & b</text></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><text>a < b</text></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><rect x=1/></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><rect x="1" x="2"/></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg></svg><svg></svg>')).not.toEqual([]);
    expect(badNumbers('<svg><rect x="NaN"/></svg>')).not.toEqual([]);
    expect(badNumbers('<svg><path d="MNaN,1"/></svg>')).not.toEqual([]);
  });
});

describe('niceScale', () => {
  it('rounds the axis end up to 1, 2 or 5 times a power of ten, in about four ticks', () => {
    // 7.5 / 4 = 1.875 -> step 2 -> end 8.
    expect(niceScale(7.5)).toEqual({ end: 8, step: 2 });
    // 120 / 4 = 30 -> step 50 -> end 150.
    expect(niceScale(120)).toEqual({ end: 150, step: 50 });
    // 1 / 4 = 0.25 -> step 0.5 -> end 1.
    expect(niceScale(1)).toEqual({ end: 1, step: 0.5 });
    // 0.3 / 4 = 0.075 -> step 0.1 -> end 0.3 (give or take a binary rounding).
    const small = niceScale(0.3);
    expect(small.step).toBeCloseTo(0.1, 12);
    expect(small.end).toBeCloseTo(0.3, 12);
    // An exact multiple is not pushed to the next step: 8 / 4 = 2 -> end 8.
    expect(niceScale(8)).toEqual({ end: 8, step: 2 });
  });

  it('always covers the value it is given', () => {
    for (const max of [0.001, 0.07, 0.99, 1, 3, 7.5, 9.2, 10, 11, 99, 101, 4321, 1e6 + 1]) expect(niceScale(max).end).toBeGreaterThanOrEqual(max);
  });

  it('falls back to 0..1 for no data, zero, negatives and non-numbers', () => {
    for (const max of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(niceScale(max)).toEqual({ end: 1, step: 0.25 });
  });
});

describe('clip and seriesColor', () => {
  it('clips a long label to the width it is given, ending in an ellipsis', () => {
    expect(clip('claude-opus-4-7', 20)).toBe('claude-opus-4-7');
    expect(clip('claude-opus-4-7', 15)).toBe('claude-opus-4-7');
    expect(clip('claude-opus-4-7', 10)).toBe('claude-op…');
    expect(clip('claude-opus-4-7', 10)).toHaveLength(10);
  });

  it('gives eight distinct colours, then repeats them', () => {
    const first = Array.from({ length: 8 }, (_, i) => seriesColor(i));
    expect(new Set(first).size).toBe(8);
    for (const c of first) expect(c).toMatch(/^#[0-9A-F]{6}$/);
    expect(seriesColor(8)).toBe(seriesColor(0));
    expect(seriesColor(13)).toBe(seriesColor(5));
  });
});

describe('barChart', () => {
  const spec = { title: 'Median latency by effort', valueLabel: 'median latency', categoryLabel: 'effort', format: units };
  /** The chart of these bars, checked to be sound SVG. */
  const chart = (...bars: Bar[]) => expectSound(barChart({ ...spec, bars }));
  /** The same for rates: percentages on an axis that ends at 100%. */
  const rateChart = (...bars: Bar[]) => expectSound(barChart({ ...spec, format: pct, max: 1, bars }));

  it('draws one labelled bar per category, on an axis that covers the largest value', () => {
    const markup = chart({ label: 'low', value: 3 }, { label: 'high', value: 7.5 });
    expect(titles(markup)[0]).toBe('Median latency by effort');
    expect(elements(markup, 'rect')).toHaveLength(2);
    // 7.5 -> ticks every 2 up to 8.
    expect(tickLabels(markup).map((t) => t.value)).toEqual([0, 2, 4, 6, 8]);
    // Every bar ends inside the grid, and the longer value has the longer bar.
    const grid = verticalGrid(markup);
    const [low, high] = elements(markup, 'rect').map((r) => ({ start: Number(r.x), end: Number(r.x) + Number(r.width) }));
    for (const b of [low!, high!]) {
      expect(b.start).toBeCloseTo(grid.from, 1);
      expect(b.end).toBeLessThanOrEqual(grid.to + 0.1);
    }
    expect(high!.end - high!.start).toBeGreaterThan(low!.end - low!.start);
    // Bar lengths are to scale: 3 / 7.5 of each other, up to rounding to 0.1 px.
    expect((low!.end - low!.start) / (high!.end - high!.start)).toBeCloseTo(3 / 7.5, 2);
    // Axis and category labels, and each value printed beside its bar.
    const words = texts(markup).map((t) => t.text);
    expect(words).toEqual(expect.arrayContaining(['effort', 'median latency', 'low', 'high', '3u', '7.5u']));
  });

  it('stretches the axis to the top of a confidence interval, and draws the interval as a whisker', () => {
    const markup = chart({ label: 'low', value: 7.5, low: 5, high: 9.2 });
    // 9.2 -> ticks every 5 up to 10.
    expect(tickLabels(markup).map((t) => t.value)).toEqual([0, 5, 10]);
    const grid = verticalGrid(markup);
    const whisker = /<g class="whisker"[^>]*>(.*?)<\/g>/.exec(markup)?.[1] ?? '';
    const xs = elements(whisker, 'line').flatMap((l) => [Number(l.x1), Number(l.x2)]);
    expect(xs.length).toBeGreaterThan(0);
    for (const x of xs) expect(x).toBeLessThanOrEqual(grid.to + 0.1);
    // The interval ends sit at 5/10 and 9.2/10 of the axis.
    const at = (v: number) => grid.from + (v / 10) * (grid.to - grid.from);
    expect(Math.min(...xs)).toBeCloseTo(at(5), 0);
    expect(Math.max(...xs)).toBeCloseTo(at(9.2), 0);
  });

  it('explains each bar on hover: value, interval and note', () => {
    const markup = rateChart({ label: 'claude-a', value: 0.2, low: 0.0567, high: 0.5098, note: '2/10' }, { label: 'claude-b', value: 0.5 });
    expect(titles(markup)).toEqual(expect.arrayContaining(['claude-a: 20% (95% CI 6%–51%), 2/10', 'claude-b: 50%']));
  });

  it('keeps a fixed axis end for rates, whatever the data', () => {
    const markup = rateChart({ label: 'claude-a', value: 0.3 });
    expect(tickLabels(markup, '%').map((t) => t.value)).toEqual([0, 25, 50, 75, 100]);
  });

  it('says "no data" for a category without a value, and draws the others', () => {
    const markup = chart({ label: 'low', value: null }, { label: 'high', value: 4 });
    expect(elements(markup, 'rect')).toHaveLength(1);
    expect(texts(markup).map((t) => t.text)).toContain('no data');
  });

  it('ignores a fixed axis end that is not positive, instead of looping on a zero tick step', () => {
    const markup = expectSound(barChart({ ...spec, max: 0, bars: [{ label: 'x', value: 0 }] }));
    expect(tickLabels(markup).at(-1)!.value).toBeGreaterThan(0);
  });

  it('draws zeros without dividing by zero', () => {
    const markup = chart({ label: 'low', value: 0 }, { label: 'high', value: 0 });
    expect(tickLabels(markup).at(-1)!.value).toBeGreaterThan(0);
  });

  it('puts a "no data" note in place of a chart with no values at all', () => {
    for (const bars of [[], [{ label: 'low', value: null }]] as Bar[][]) {
      const out = barChart({ ...spec, bars }).toString();
      expect(out).toBe('<p class="no-data">Median latency by effort: no data.</p>');
    }
    expect(noData(HOSTILE).toString()).toBe(`<p class="no-data">${HOSTILE_ESCAPED}: no data.</p>`);
  });

  it('escapes every piece of text it is given, so a label cannot add markup', () => {
    const markup = expectSound(
      barChart({
        title: `R&D ${HOSTILE}`,
        valueLabel: `<b>rate</b>`,
        categoryLabel: `"model" & 'effort'`,
        format: (v) => `<${v}>`,
        bars: [{ label: HOSTILE, value: 1, low: 0, high: 2, note: '<i>n</i>' }],
      }),
    );
    expect(markup).not.toContain('<b>');
    expect(markup).not.toContain('<i>');
    expect(titles(markup)[0]).toBe(`R&amp;D ${HOSTILE_ESCAPED}`);
    expect(markup).toContain('&lt;b&gt;rate&lt;/b&gt;');
    expect(markup).toContain('&quot;model&quot; &amp; &#39;effort&#39;');
    // The full label is in the hover title; the visible one is clipped to 28 characters.
    expect(titles(markup)).toContain(HOSTILE_ESCAPED);
    expect(markup).toContain('&lt;1&gt;');
  });

  it('clips long category labels without breaking an escape sequence', () => {
    // The 28th character is an &: clipped first, escaped after, so no half entity remains.
    const label = `${'m'.repeat(26)}&&& and more`;
    const markup = chart({ label, value: 1 });
    expect(texts(markup).map((t) => t.text)).toContain(`${'m'.repeat(26)}&amp;…`);
    expect(titles(markup)).toContain(`${'m'.repeat(26)}&amp;&amp;&amp; and more`);
  });
});

describe('groupedBarChart', () => {
  const spec = { title: 'mem_fail rate by model and effort', valueLabel: 'mem_fail rate', categoryLabel: 'model', format: pct, max: 1 };

  it('draws one bar per series in each group, coloured by series, with a legend', () => {
    const markup = expectSound(
      groupedBarChart({
        ...spec,
        series: ['low', 'high'],
        groups: [
          { label: 'claude-a', values: [{ value: 0.2 }, { value: 0.4 }] },
          { label: 'claude-b', values: [{ value: 0.1 }, { value: null }] },
        ],
      }),
    );
    const bars = [...markup.matchAll(/<g class="bar"><title>([^<]*)<\/title><rect[^>]*fill="([^"]*)"/g)].map((m) => [m[1], m[2]]);
    expect(bars).toEqual([
      ['claude-a / low: 20%', seriesColor(0)],
      ['claude-a / high: 40%', seriesColor(1)],
      ['claude-b / low: 10%', seriesColor(0)],
    ]);
    const legend = [...markup.matchAll(/<g class="legend"><rect[^>]*fill="([^"]*)"\/><text[^>]*><title>([^<]*)<\/title>/g)].map((m) => [m[2], m[1]]);
    expect(legend).toEqual([
      ['low', seriesColor(0)],
      ['high', seriesColor(1)],
    ]);
    expect(texts(markup).map((t) => t.text)).toContain('no data');
  });

  it('escapes series names in the legend and the hover titles', () => {
    const markup = expectSound(groupedBarChart({ ...spec, series: [HOSTILE, 'b'], groups: [{ label: 'g', values: [{ value: 0.5 }, { value: 0.25 }] }] }));
    expect(titles(markup)).toEqual(expect.arrayContaining([HOSTILE_ESCAPED, `g / ${HOSTILE_ESCAPED}: 50%`]));
  });

  it('puts a "no data" note in place of a chart without groups or values', () => {
    expect(groupedBarChart({ ...spec, series: ['low'], groups: [] }).toString()).toContain('no data');
    expect(groupedBarChart({ ...spec, series: ['low'], groups: [{ label: 'claude-a', values: [{ value: null }] }] }).toString()).toContain('no data');
  });
});

describe('lineChart', () => {
  const spec = { title: 'Citations per step', xLabel: 'step', yLabel: 'citations', format: units };
  const series: LineSeries[] = [
    // Out of order on purpose: the line is drawn from the first step to the last.
    {
      name: 'claude-a',
      points: [
        { x: 3, y: 2 },
        { x: 1, y: 3 },
        { x: 2, y: 7.5 },
      ],
    },
    {
      name: 'claude-b',
      points: [
        { x: 1, y: 1 },
        { x: 5, y: 0 },
      ],
    },
  ];

  it('draws a path and a dot per point for each series, inside the axes', () => {
    const markup = expectSound(lineChart({ ...spec, series }));
    expect(elements(markup, 'path')).toHaveLength(2);
    expect(elements(markup, 'circle')).toHaveLength(5);
    // The horizontal lines are the grid and the x axis: their extent is the plot area.
    const horizontal = elements(markup, 'line').filter((l) => l.y1 === l.y2);
    const ys = horizontal.map((l) => Number(l.y1));
    const xs = horizontal.flatMap((l) => [Number(l.x1), Number(l.x2)]);
    for (const c of elements(markup, 'circle')) {
      expect(Number(c.cy)).toBeGreaterThanOrEqual(Math.min(...ys));
      expect(Number(c.cy)).toBeLessThanOrEqual(Math.max(...ys));
      expect(Number(c.cx)).toBeGreaterThanOrEqual(Math.min(...xs));
      expect(Number(c.cx)).toBeLessThanOrEqual(Math.max(...xs));
    }
    // y up to 7.5 -> ticks every 2 up to 8; x ticks at every step from the first to the last.
    expect(tickLabels(markup).map((t) => t.value)).toEqual([0, 2, 4, 6, 8]);
    expect(
      texts(markup)
        .filter((t) => /^\d+$/.test(t.text))
        .map((t) => Number(t.text)),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it('joins the points in step order, and prints the value of the last one', () => {
    const markup = expectSound(lineChart({ ...spec, series: [series[0]!] }));
    const d = elements(markup, 'path')[0]!.d!;
    const pathXs = [...d.matchAll(/[ML](-?[\d.]+),/g)].map((m) => Number(m[1]));
    expect(pathXs).toHaveLength(3);
    expect([...pathXs].sort((a, b) => a - b)).toEqual(pathXs);
    // The last step is 3, where claude-a has 2.
    expect(
      texts(markup)
        .filter((t) => t.attrs.includes('class="value"'))
        .map((t) => t.text),
    ).toEqual(['2u']);
  });

  it('explains each point on hover and names each series in the legend', () => {
    const markup = expectSound(lineChart({ ...spec, series }));
    expect(titles(markup)).toEqual(expect.arrayContaining(['claude-a, step 2: 7.5u', 'claude-b, step 5: 0u', 'claude-a', 'claude-b']));
  });

  it('draws a single point, or all zeros, without dividing by zero', () => {
    const one = expectSound(lineChart({ ...spec, series: [{ name: 'a', points: [{ x: 4, y: 2 }] }] }));
    expect(elements(one, 'circle')).toHaveLength(1);
    expect(
      texts(one)
        .filter((t) => /^\d+$/.test(t.text))
        .map((t) => t.text),
    ).toEqual(['4']);
    const zeros = expectSound(
      lineChart({
        ...spec,
        series: [
          {
            name: 'a',
            points: [
              { x: 1, y: 0 },
              { x: 2, y: 0 },
            ],
          },
        ],
      }),
    );
    expect(tickLabels(zeros).at(-1)!.value).toBeGreaterThan(0);
  });

  it('leaves series without points out, and puts a "no data" note in place of an empty chart', () => {
    const markup = expectSound(lineChart({ ...spec, series: [{ name: 'empty', points: [] }, series[1]!] }));
    expect(titles(markup)).not.toContain('empty');
    expect(lineChart({ ...spec, series: [] }).toString()).toBe('<p class="no-data">Citations per step: no data.</p>');
    expect(lineChart({ ...spec, series: [{ name: 'empty', points: [] }] }).toString()).toBe('<p class="no-data">Citations per step: no data.</p>');
  });

  it('escapes the title, axis labels and series names', () => {
    const markup = expectSound(lineChart({ title: HOSTILE, xLabel: '<x>', yLabel: 'y & z', format: units, series: [{ name: HOSTILE, points: [{ x: 1, y: 1 }] }] }));
    expect(titles(markup)[0]).toBe(HOSTILE_ESCAPED);
    expect(titles(markup)).toContain(`${HOSTILE_ESCAPED}, &lt;x&gt; 1: 1u`);
    expect(texts(markup).map((t) => t.text)).toEqual(expect.arrayContaining(['&lt;x&gt;', 'y &amp; z']));
  });
});

describe('plots that would mislead: empty axes, cut-off legends, overlapping series and labels (issue 15)', () => {
  const ms = (v: number) => (v === 0 ? '0' : `${(v / 1000).toFixed(2)} s`);
  const spec = { title: 'Median latency by effort', valueLabel: 'median latency', categoryLabel: 'effort', format: ms };

  it('puts a note in place of a measured quantity that is 0 everywhere, instead of an axis from 0 to 0', () => {
    const out = barChart({
      ...spec,
      zeroIsNoData: true,
      bars: [
        { label: 'low', value: 0 },
        { label: 'high', value: 0 },
      ],
    }).toString();
    expect(out).toBe('<p class="no-data">Median latency by effort: every value is 0; nothing was measured.</p>');
    // One value that is not zero: a chart.
    expect(
      barChart({
        ...spec,
        zeroIsNoData: true,
        bars: [
          { label: 'low', value: 0 },
          { label: 'high', value: 1500 },
        ],
      }).toString(),
    ).toMatch(/^<svg/);
  });

  it('never prints two ticks with the same label when the scale is finer than the format', () => {
    // 0..4 ms on a format in hundredths of a second: every tick would read 0.00 s.
    const markup = expectSound(barChart({ ...spec, format: (v) => `${(v / 1000).toFixed(2)}s`, bars: [{ label: 'low', value: 3 }] }));
    const ticks = texts(markup)
      .filter((t) => !t.attrs.includes('class=') && /s$/.test(t.text) && /^\d/.test(t.text))
      .map((t) => t.text);
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(distinctTicks([0, 1, 2, 3, 4], (v) => (v / 1000).toFixed(2))).toEqual([0]);
    expect(distinctTicks([0, 500, 1000], (v) => (v / 1000).toFixed(1))).toEqual([0, 500, 1000]);
  });

  it('prints every legend name whole and makes the chart wide enough for it', () => {
    const long = 'claude-sonnet-4-5-20250929 · high · ledger · d12 · an unusually long cell name that no column of 640 px holds';
    const series: LineSeries[] = [
      { name: long, points: [{ x: 1, y: 1 }] },
      { name: 'b', points: [{ x: 1, y: 2 }] },
    ];
    const markup = expectSound(lineChart({ title: 't', xLabel: 'step', yLabel: 'citations', format: units, series }));
    const legendTexts = [...markup.matchAll(/<g class="legend">.*?<text x="([\d.]+)"[^>]*><title>[^<]*<\/title>([^<]*)<\/text><\/g>/g)];
    expect(legendTexts.map((m) => m[2])).toEqual([long, 'b']);
    const width = Number(elements(markup, 'svg')[0]!.width);
    for (const [, x, name] of legendTexts) expect(Number(x) + name!.length * 6.4).toBeLessThanOrEqual(width);
    expect(width).toBeGreaterThan(640);
    expect(widthForLegend(['a', 'b'], 56)).toBe(640);
    // Grouped bars too: the legend's names are whole.
    const bars = expectSound(groupedBarChart({ ...spec, format: units, series: [long, 'low'], groups: [{ label: 'm', values: [{ value: 1 }, { value: 2 }] }] }));
    expect(bars).toContain(`<title>${escapeHtml(long)}</title>${escapeHtml(long)}</text>`);
    expect(Number(elements(bars, 'svg')[0]!.width)).toBeGreaterThan(640);
  });

  it('draws series that share every point side by side, each with its own dash, and end labels that do not overlap', () => {
    const same = (name: string): LineSeries => ({
      name,
      points: [
        { x: 1, y: 2 },
        { x: 2, y: 2 },
      ],
    });
    const markup = expectSound(lineChart({ title: 't', xLabel: 'step', yLabel: 'citations', format: units, series: [same('a'), same('b'), same('c')] }));
    const circles = elements(markup, 'circle');
    expect(circles).toHaveLength(6);
    // The three points at each step are apart, not on top of one another.
    const atStep1 = circles.filter((_, i) => i % 2 === 0).map((c) => Number(c.cx));
    expect(new Set(atStep1).size).toBe(3);
    const dashes = elements(markup, 'path').map((p) => p['stroke-dasharray'] ?? '');
    expect(new Set(dashes).size).toBe(3);
    const ends = texts(markup)
      .filter((t) => t.attrs.includes('class="value"'))
      .map((t) => Number(/\sy="([^"]*)"/.exec(t.attrs)?.[1]))
      .sort((a, b) => a - b);
    expect(ends).toHaveLength(3);
    for (let i = 1; i < ends.length; i++) expect(ends[i]! - ends[i - 1]!).toBeGreaterThanOrEqual(12);
  });

  it('spreads labels apart, keeps their order, and stays within bounds', () => {
    expect(spreadLabels([50, 50, 50], 12, 0, 200)).toEqual([50, 62, 74]);
    expect(spreadLabels([10, 100], 12, 0, 200)).toEqual([10, 100]);
    // Near the bottom: pulled back up so the last one ends at the limit.
    expect(spreadLabels([200, 200, 199], 12, 0, 200)).toEqual([188, 200, 176]);
    expect(spreadLabels([5], 12, 20, 200)).toEqual([20]);
  });
});
