import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, renderDiffHtml, renderReportHtml, type HtmlInput } from '../../engine/report/html/index.js';
import type { Report } from '../../engine/schemas/report.generated.js';
import type { TranscriptDiff } from '../../engine/schemas/diff.generated.js';
import type { ConversationScore } from '../../engine/schemas/scores.generated.js';
import type { Transcript } from '../../engine/transcript/format.js';
import { validatorFor, validatorForDef, type ErrorObject } from '../../engine/schemas/compile.js';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = 'test/fixtures/report/input.json';

/** The payloads the fixture plants in prompts, replies, thinking, model names, reasons and the diff. */
const PAYLOADS = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=2">', '<a href="javascript:window.__xss=3">click</a>', '"><svg onload=window.__xss=4>'];

/** Reads the fixture and checks every part against its schema, so the cast below is earned. */
async function loadInput(): Promise<HtmlInput> {
  const input = JSON.parse(await readFile(FIXTURE, 'utf8')) as HtmlInput;
  const check = (ok: boolean, what: string, errors: ErrorObject[] | null | undefined) => {
    const why = (errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('; ');
    if (!ok) throw new Error(`${FIXTURE}: ${what} does not match its schema: ${why}`);
  };
  const report = validatorFor<Report>('report');
  check(report(input.report), 'report', report.errors);
  const transcript = validatorFor<Transcript>('transcript');
  const score = validatorForDef<ConversationScore>('scores', 'conversationScore');
  for (const t of input.transcripts) {
    check(transcript(t.transcript), t.transcript.conversation_id, transcript.errors);
    if (t.score) check(score(t.score), `score of ${t.transcript.conversation_id}`, score.errors);
  }
  const diff = validatorFor<TranscriptDiff>('diff');
  for (const d of input.diffs) check(diff(d), `diff of ${d.scenario}`, diff.errors);
  return input;
}

/** What a payload that ran would have set; globalThis is the page's window. */
const xss = (page: Page) => page.evaluate(() => (globalThis as { __xss?: unknown }).__xss);

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let input: HtmlInput;
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: the HTML report test needs it (apt-get install chromium). It is not skipped.`);
    }
    input = await loadInput();
    const dir = await mkdtemp(join(tmpdir(), 'driftbench-html-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderReportHtml(input));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads from disk with no payload run, no script, no handler attribute, no javascript: link and no request but the file', async () => {
    expect(await xss(page)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    const handlers = await page.locator('*').evaluateAll((els: Array<{ tagName: string; getAttributeNames(): string[] }>) =>
      els.flatMap((el) =>
        el
          .getAttributeNames()
          .filter((a) => a.toLowerCase().startsWith('on'))
          .map((a) => `${el.tagName} ${a}`),
      ),
    );
    expect(handlers).toEqual([]);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => !h.startsWith('#'))).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('svg:not(.plot)').count()).toBe(0);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  it('renders one summary row per group, one scenario table per scenario with a row per cell, the comparison, the warning and the gate', async () => {
    const s = input.report.summary;
    const groups = 1 + s.by_model.length + s.by_effort.length + s.by_condition.length + s.by_distance.length;
    expect(await page.locator('table.summary tbody tr').count()).toBe(groups);
    expect(await page.locator('table.cells').count()).toBe(new Set(input.report.cells.map((c) => c.scenario)).size);
    expect(await page.locator('table.cells tbody tr').count()).toBe(input.report.cells.length);
    expect(await page.locator('table.comparisons tbody tr').count()).toBe(input.report.comparisons.length);
    await expect(page.locator('#comparisons').innerText()).resolves.toContain(input.report.comparisons[0]!.sentence);
    await expect(page.locator('.warnings').innerText()).resolves.toContain(input.report.warnings[0]!);
    const gate = await page.locator('table.gates tbody tr').innerText();
    expect(gate).toContain(input.report.gates[0]!.expression);
    expect(gate).toContain('FAIL');
    const firstCell = await page.locator('table.cells tbody tr').first().innerText();
    expect(firstCell).toContain(input.report.cells[0]!.cell.model);
    expect(firstCell).toContain(`${input.report.cells[0]!.mem_fail.failed}/${input.report.cells[0]!.mem_fail.n}`);
  });

  it('marks the conversation and the turn another model answered, and warns about it', async () => {
    const fallback = input.report.fallback.conversations[0]!;
    const transcript = page.locator('details.transcript', { hasText: fallback.conversation_id });
    await expect(transcript.locator('> summary .badge.warn').innerText()).resolves.toBe('fallback');
    // Only that conversation, and in it only the turn the other model answered.
    expect(await page.locator('details.transcript > summary .badge.warn').count()).toBe(input.report.fallback.conversations.length);
    const marked = transcript.locator('li.turn', { has: page.locator('ul.facts .badge.warn') });
    expect(await marked.count()).toBe(fallback.turns.length);
    // textContent: the transcript is closed, and a closed <details> renders no inner text.
    await expect(marked.locator('h4').textContent()).resolves.toContain(`Step ${fallback.turns[0]!.step}`);
    // The model name is data: shown as text, never as markup.
    await expect(marked.locator('ul.facts').textContent()).resolves.toContain(`answered by ${fallback.turns[0]!.answered_by}, not ${fallback.requested}`);
    await expect(page.locator('.warnings').innerText()).resolves.toContain(input.report.warnings.find((w) => w.includes('answered by another model'))!);
  });

  it('draws every plot as a visible inline SVG with a title and marks', async () => {
    const plots = page.locator('figure svg.plot');
    // rate by model, by effort, by model and effort, latency, cost, citations per step, rate by distance
    expect(await plots.count()).toBe(7);
    for (const plot of await plots.all()) {
      expect(await plot.locator('rect, line, path').count()).toBeGreaterThan(0);
      expect((await plot.locator('title').first().textContent())?.length).toBeGreaterThan(0);
      expect(await plot.locator('text.value').count()).toBeGreaterThan(0);
      const box = await plot.boundingBox();
      expect(box?.width).toBeGreaterThan(0);
      expect(box?.height).toBeGreaterThan(0);
    }
    expect(await page.locator('figure figcaption').count()).toBe(7);
    expect(await page.locator('.no-data').count()).toBe(0);
  });

  it('opens a diff from its summary and shows the side-by-side table and the word diff', async () => {
    const diff = page.locator('details.diff').first();
    expect(await diff.getAttribute('open')).toBeNull();
    await expect(diff.locator('table.side-by-side').isVisible()).resolves.toBe(false);
    await diff.locator('> summary').click();
    expect(await diff.getAttribute('open')).not.toBeNull();
    await expect(diff.locator('table.side-by-side').isVisible()).resolves.toBe(true);
    expect(await diff.locator('table.side-by-side tbody.step').count()).toBe(input.diffs[0]!.steps.length);
    expect(await diff.locator('ins').count()).toBeGreaterThan(0);
    expect(await diff.locator('del').count()).toBeGreaterThan(0);
    await expect(diff.locator('.divergence').innerText()).resolves.toContain(`step ${input.diffs[0]!.first_divergence!.step}`);
  });

  it('runs no payload after every details is opened, and shows each payload as literal text', async () => {
    // Open in document order, so a nested <details> is visible by the time its turn comes.
    for (const summary of await page.locator('details > summary').all()) {
      if ((await summary.locator('..').getAttribute('open')) === null) await summary.click();
    }
    expect(await page.locator('details:not([open])').count()).toBe(0);
    expect(await page.locator('details.thinking').count()).toBeGreaterThan(0);
    expect(await xss(page)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator('script, img, svg:not(.plot), a[href^="javascript:" i]').count()).toBe(0);
    const text = await page.locator('body').innerText();
    for (const p of PAYLOADS) expect(text).toContain(p);
    const errored = input.transcripts.find((t) => t.transcript.status !== 'complete')!.transcript;
    await expect(page.locator('.status-reason').innerText()).resolves.toContain(errored.status_reason!);
    expect(text).toContain(errored.cell.model);
    expect(await page.locator('details.transcript').count()).toBe(input.transcripts.length);
  });
});

describe('renderDiffHtml', () => {
  it('escapes every payload of the diff: no markup from the data survives', async () => {
    const input = await loadInput();
    const out = renderDiffHtml(input.diffs[0]!);
    expect(out).not.toMatch(/<script|<img|<svg|<a\s|onerror="/i);
    expect(out).toContain(escapeHtml(PAYLOADS[0]!));
    expect(out).toContain('<details class="diff" open>');
    expect(out).toMatch(/<del>/);
    expect(out).toMatch(/<ins>/);
  });

  it('escapes the characters that can end text or an attribute value', () => {
    expect(escapeHtml(`&<>"'\``)).toBe('&amp;&lt;&gt;&quot;&#39;&#96;');
  });
});
