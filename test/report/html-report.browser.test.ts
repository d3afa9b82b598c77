import { createHash } from 'node:crypto';
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
const PAYLOADS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  '<a href="javascript:window.__xss=3">click</a>',
  '"><svg onload=window.__xss=4>',
  '<script>window.__xss=5</script>',
];

/** Where screenshots go: a fresh temp dir, or DRIFTBENCH_SCREENSHOTS to keep them for a look. */
const SHOTS = process.env.DRIFTBENCH_SCREENSHOTS;

/** A PNG file: its signature, and more than a blank page's worth of bytes. */
async function expectPng(file: string): Promise<void> {
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.length).toBeGreaterThan(10_000);
}

const LAUNCH = {
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

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
  if (!input.diffs.some((d) => d.a.mem_fail !== d.b.mem_fail) || input.diffs[0]!.a.mem_fail !== input.diffs[0]!.b.mem_fail) {
    throw new Error(`${FIXTURE}: needs a verdict flip that is not the first diff, so that "flips first" can fail`);
  }
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
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
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

  it('loads from disk with no payload run, only its own script (allowed by hash), no handler attribute, no javascript: link and no request but the file', async () => {
    expect(await xss(page)).toBeUndefined();
    // One script, ours: the CSP names its sha256, and no other source of script.
    expect(await page.locator('script').count()).toBe(1);
    const script = (await page.locator('script').textContent()) ?? '';
    const csp = (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp.match(/script-src [^;]*/)?.[0]).toBe(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|Function\(/);
    // It ran: the filter form it reveals is visible.
    await expect(page.locator('#filters').isVisible()).resolves.toBe(true);
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
    // By condition has one value in the fixture, so no table; by distance has two.
    expect(s.by_condition).toHaveLength(1);
    expect(s.by_distance.length).toBeGreaterThan(1);
    const groups = 1 + s.by_model.length + s.by_effort.length + s.by_distance.length;
    expect(await page.locator('table.summary tbody tr').count()).toBe(groups);
    const headings = await page.locator('#summary h3').allInnerTexts();
    expect(headings).toEqual(['Overall', 'By model', 'By effort', 'By distance']);
    await expect(page.locator('#summary p.single').innerText()).resolves.toBe(`One value only, so no table: condition: ${s.by_condition[0]!.group}.`);
    expect(await page.locator('table.cells').count()).toBe(new Set(input.report.cells.map((c) => c.scenario)).size);
    expect(await page.locator('table.cells tbody tr').count()).toBe(input.report.cells.length);
    expect(await page.locator('table.comparisons tbody tr').count()).toBe(input.report.comparisons.length);
    await expect(page.locator('#comparisons').innerText()).resolves.toContain(input.report.comparisons[0]!.sentence);
    await expect(page.locator('.warnings').innerText()).resolves.toContain(input.report.warnings[0]!);
    const gate = await page.locator('table.gates tbody tr').innerText();
    expect(gate).toContain(input.report.gates[0]!.expression);
    expect(gate).toContain('FAIL');
    const firstCell = await page.locator('table.cells tbody tr').first().innerText();
    // Cells with transcripts on the page link to them; the others show a dash.
    const withTranscripts = new Set(input.transcripts.map((t) => `${t.transcript.scenario.id} ${t.transcript.cell.model} ${t.transcript.cell.effort}`));
    const expectedLinks = input.report.cells.filter((c) => withTranscripts.has(`${c.scenario} ${c.cell.model} ${c.cell.effort}`)).length;
    expect(expectedLinks).toBeGreaterThan(0);
    expect(await page.locator('table.cells tbody tr a[href^="#scenario-"]').count()).toBe(expectedLinks);
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
    const flip = input.diffs.find((d) => d.a.mem_fail !== d.b.mem_fail)!;
    expect(await diff.getAttribute('open')).toBeNull();
    await expect(diff.locator('table.side-by-side').isVisible()).resolves.toBe(false);
    await diff.locator('> summary').click();
    expect(await diff.getAttribute('open')).not.toBeNull();
    await expect(diff.locator('table.side-by-side').isVisible()).resolves.toBe(true);
    expect(await diff.locator('table.side-by-side tbody.step').count()).toBe(flip.steps.length);
    expect(await diff.locator('ins').count()).toBeGreaterThan(0);
    expect(await diff.locator('del').count()).toBeGreaterThan(0);
    await expect(diff.locator('.divergence').innerText()).resolves.toContain(`step ${flip.first_divergence!.step}`);
    await diff.locator('> summary').click();
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
    expect(await page.locator('img, svg:not(.plot), a[href^="javascript:" i]').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    const text = await page.locator('body').innerText();
    for (const p of PAYLOADS) expect(text).toContain(p);
    const errored = input.transcripts.find((t) => t.transcript.status !== 'complete')!.transcript;
    await expect(page.locator('.status-reason').innerText()).resolves.toContain(errored.status_reason!);
    expect(text).toContain(errored.cell.model);
    expect(await page.locator('details.transcript').count()).toBe(input.transcripts.length);
  });
});

/** Writes a page to a fresh temp dir; returns its file: URL. */
async function writePage(markup: string, name = 'report.html'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'driftbench-html-'));
  const file = join(dir, name);
  await writeFile(file, markup);
  return pathToFileURL(file).href;
}

describe('reading aids of the HTML report in headless Chromium: verdicts, marks, groups, filters, sorting, layout', () => {
  let browser: Browser;
  let input: HtmlInput;
  let url: string;
  let shots: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: the HTML report test needs it. It is not skipped.`);
    input = await loadInput();
    url = await writePage(renderReportHtml(input));
    shots = SHOTS ?? (await mkdtemp(join(tmpdir(), 'driftbench-shots-')));
    browser = await chromium.launch(LAUNCH);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(width = 1400, javaScriptEnabled = true): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors };
  }

  it("shows the judge's verdict, answer, pass answer and every vote with its reasoning, as text", async () => {
    const { page } = await open();
    const scored = input.transcripts.find((t) => (t.score?.mem_fail.judged.votes.length ?? 0) > 1)!;
    const details = page.locator('details.transcript', { hasText: scored.transcript.conversation_id });
    await details.locator('> summary').click();
    const judge = details.locator('.judge');
    const line = await judge.locator('.verdict-line').innerText();
    expect(line).toContain(`mem_fail ${scored.score!.mem_fail.value}`);
    expect(line).toContain(`the judge answered ${scored.score!.mem_fail.judge_verdict}`);
    expect(line).toContain(`judged step ${scored.score!.mem_fail.steps.join(', ')}`);
    const votes = scored.score!.mem_fail.judged.votes;
    expect(line).toContain(`${votes.length} votes`);
    const rows = judge.locator('table.votes tbody tr');
    expect(await rows.count()).toBe(votes.length);
    for (const [i, v] of votes.entries()) {
      const text = await rows.nth(i).innerText();
      expect(text).toContain(v.judge);
      expect(text).toContain(v.verdict);
      expect(text).toContain(v.reasoning);
      if (v.role) expect(text).toContain(v.role);
    }
    expect(await xss(page)).toBeUndefined();
    // Each side of a diff carries its judge's reasoning too, where the side is scored.
    const flip = page.locator('details.diff[data-flip]').first();
    await flip.locator('> summary').click();
    await expect(flip.locator('.judges').innerText()).resolves.toContain(input.transcripts[0]!.score!.mem_fail.judged.votes[0]!.reasoning);
    await expect(flip.locator('.judges').innerText()).resolves.toContain('Not scored');
  });

  it('marks the trap step and the judged steps in transcripts and diffs, in words and not by colour alone', async () => {
    const { page } = await open();
    const t = input.transcripts[0]!.transcript;
    const marks = input.steps![t.scenario.id]!;
    const details = page.locator('details.transcript', { hasText: t.conversation_id });
    await details.locator('> summary').click();
    const turns = details.locator('li.turn');
    expect(await turns.count()).toBe(t.turns.length);
    for (const [i, turn] of t.turns.entries()) {
      const heading = await turns.nth(i).locator('h4').innerText();
      expect(heading.includes('trap step')).toBe(marks.trap.includes(turn.step));
      expect(heading.includes('judged step')).toBe(marks.judged.includes(turn.step));
    }
    // The diff of the same scenario marks the same steps in its step column.
    const diff = page.locator('details.diff[data-flip]').first();
    await diff.locator('> summary').click();
    const trapRow = diff.locator('tbody.step.trap');
    expect(await trapRow.count()).toBe(marks.trap.length);
    await expect(trapRow.locator('th').first().innerText()).resolves.toContain('trap step');
    expect(await diff.locator('tbody.step.judged th .badge.judged').count()).toBe(input.diffs.find((d) => d.a.mem_fail !== d.b.mem_fail)!.steps.filter((s) => s.judged).length);
  });

  it('groups transcripts and diffs by scenario, links each table row to its group, and puts verdict flips first', async () => {
    const { page } = await open();
    const groups = page.locator('#conversations section.scenario-group');
    const scenarios = [...new Set([...input.diffs.map((d) => d.scenario), ...input.transcripts.map((t) => t.transcript.scenario.id)])];
    expect(await groups.count()).toBe(scenarios.length);
    for (const group of await groups.all()) {
      const id = ((await group.locator('> h3').innerText()).match(/^Scenario (\S+)/) ?? [])[1];
      expect(scenarios).toContain(id);
      // Every diff and transcript in the group is of its scenario.
      for (const s of await group.locator('details.diff > summary .scenario').allInnerTexts()) expect(s).toBe(id);
      for (const t of await group.locator('details.transcript').all()) await expect(t.textContent()).resolves.toContain(`scenario ${id}`);
      // Flips first: no flip after a diff that is not one.
      const flags = await group.locator('details.diff').evaluateAll((ds) => ds.map((d) => d.hasAttribute('data-flip')));
      expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
    }
    // The group with a flip comes first, and its first diff is the flip, although the fixture lists it last.
    await expect(groups.first().locator('details.diff').first().getAttribute('data-flip')).resolves.toBe('');
    // Every link in a scenario table's rows leads to a group of that scenario and cell.
    const links = page.locator('table.cells tbody tr a[href^="#"]');
    expect(await links.count()).toBeGreaterThan(0);
    for (const link of await links.all()) {
      const href = (await link.getAttribute('href'))!;
      const target = page.locator(href);
      expect(await target.count()).toBe(1);
      const row = await link.locator('xpath=ancestor::tr').innerText();
      const label = await target.locator('> h4').innerText();
      expect(row).toContain(label.split(' · ')[0]!);
    }
    await links.first().click();
    expect(await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe(await links.first().getAttribute('href'));
    // The flip index at the top of the section links to the flip.
    const index = page.locator('#conversations p.flips a');
    expect(await index.count()).toBe(input.diffs.filter((d) => d.a.mem_fail !== d.b.mem_fail).length);
    expect(await page.locator(`${await index.first().getAttribute('href')} details.diff[data-flip]`).count()).toBe(1);
  });

  it('filters by scenario, cell and verdict, hiding rows, conversations and empty groups, and shows everything again', async () => {
    const { page } = await open();
    const visible = (sel: string) => page.locator(sel).evaluateAll((els) => els.filter((e) => (e as { offsetParent: unknown }).offsetParent !== null).length);
    const all = input.transcripts.length + input.diffs.length;
    await expect(page.locator('#filters output').innerText()).resolves.toBe(`Showing ${all} of ${all} conversations and diffs.`);
    const scenarioOption = await page.locator('select[data-filter="scenario"] option', { hasText: 'travel-allergy' }).getAttribute('value');
    await page.selectOption('select[data-filter="scenario"]', scenarioOption!);
    const inTravel = input.transcripts.filter((t) => t.transcript.scenario.id === 'travel-allergy').length + input.diffs.filter((d) => d.scenario === 'travel-allergy').length;
    await expect(page.locator('#filters output').innerText()).resolves.toBe(`Showing ${inTravel} of ${all} conversations and diffs.`);
    expect(await visible('details.transcript')).toBe(input.transcripts.filter((t) => t.transcript.scenario.id === 'travel-allergy').length);
    expect(await visible('table.cells tbody tr')).toBe(input.report.cells.filter((c) => c.scenario === 'travel-allergy').length);
    expect(await visible('#conversations section.scenario-group')).toBe(1);
    expect(await visible('div.scenario-table')).toBe(1);
    // Verdict YES within the scenario: the one YES transcript.
    await page.selectOption('select[data-filter="verdict"]', 'YES');
    expect(await visible('details.transcript')).toBe(input.transcripts.filter((t) => t.transcript.scenario.id === 'travel-allergy' && t.score?.mem_fail.value === 'YES').length);
    expect(await visible('details.diff')).toBe(0);
    // Cell: only the cells table rows and conversations of that cell.
    await page.selectOption('select[data-filter="scenario"]', '');
    await page.selectOption('select[data-filter="verdict"]', '');
    const cellOption = page.locator('select[data-filter="cell"] option').nth(1);
    const cell = (await cellOption.innerText()).split(' · ');
    await page.selectOption('select[data-filter="cell"]', (await cellOption.getAttribute('value'))!);
    const rows = await page
      .locator('table.cells tbody tr')
      .evaluateAll((els) => els.filter((e) => (e as { offsetParent: unknown }).offsetParent !== null).map((e) => (e as { textContent: string }).textContent));
    const expected = input.report.cells.filter((c) => c.cell.model === cell[0] && c.cell.effort === cell[1] && c.cell.condition === cell[2]).length;
    expect(expected).toBeGreaterThan(0);
    expect(rows).toHaveLength(expected);
    await page.screenshot({ path: join(shots, 'report-filtered.png'), fullPage: false });
    await expectPng(join(shots, 'report-filtered.png'));
    await page.selectOption('select[data-filter="cell"]', '');
    expect(await visible('table.cells tbody tr')).toBe(input.report.cells.length);
    await expect(page.locator('#filters output').innerText()).resolves.toBe(`Showing ${all} of ${all} conversations and diffs.`);
  });

  it('sorts a table by a column, ascending then descending, with aria-sort saying which', async () => {
    const { page } = await open();
    const table = page.locator('table.cells').first();
    const column = (await table.locator('thead th').allInnerTexts()).findIndex((h) => h.startsWith('mem fail'));
    expect(column).toBeGreaterThan(0);
    const failed = () => table.locator(`tbody tr td:nth-child(${column + 1})`).evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-sort'))));
    const before = await failed();
    expect(new Set(before).size).toBeGreaterThan(1);
    await table.locator('thead th').nth(column).locator('button').click();
    expect(await failed()).toEqual([...before].sort((a, b) => a - b));
    await expect(table.locator('thead th').nth(column).getAttribute('aria-sort')).resolves.toBe('ascending');
    await table.locator('thead th').nth(column).locator('button').click();
    expect(await failed()).toEqual([...before].sort((a, b) => b - a));
    await expect(table.locator('thead th').nth(column).getAttribute('aria-sort')).resolves.toBe('descending');
    // Text columns sort as text.
    const model = page.locator('table.summary').nth(1);
    await model.locator('thead th').first().locator('button').click();
    const names = await model.locator('tbody tr td:first-child').allInnerTexts();
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('runs no other script: a script planted in the page is blocked by the CSP while ours still runs', async () => {
    // As if escaping had failed: a raw inline script and a handler in the body. The CSP must stop both.
    const planted = renderReportHtml(input).replace('<main>', '<main><script>window.__planted=1</script><img src="data:," onerror="window.__planted=2">');
    const plantedUrl = await writePage(planted, 'planted.html');
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    await page.goto(plantedUrl, { waitUntil: 'load' });
    expect(await page.evaluate(() => (globalThis as { __planted?: unknown }).__planted)).toBeUndefined();
    expect(messages.some((m) => /Content Security Policy/i.test(m))).toBe(true);
    await expect(page.locator('#filters').isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('shows everything without JavaScript: every row and conversation, and no dead filter form', async () => {
    const { page } = await open(1400, false);
    await expect(page.locator('#filters').isVisible()).resolves.toBe(false);
    expect(await page.locator('table.cells tbody tr:visible').count()).toBe(input.report.cells.length);
    expect(await page.locator('details.transcript:visible').count()).toBe(input.transcripts.length);
    expect(await page.locator('details.diff:visible').count()).toBe(input.diffs.length);
    expect(await page.locator('th button.sort').count()).toBe(0);
  });

  it('does not overflow at 1400 px, with every details open, and takes screenshots that are PNGs', async () => {
    const { page, errors } = await open(1400);
    const overflow = () =>
      page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: {
              documentElement: { scrollWidth: number };
              querySelectorAll(s: string): ArrayLike<{ scrollWidth: number; parentElement: { clientWidth: number } | null; className: string }>;
            };
          }
        ).document;
        const tables = Array.from(d.querySelectorAll('table'))
          .filter((t) => t.parentElement !== null && t.scrollWidth > t.parentElement.clientWidth + 1)
          .map((t) => t.className);
        return { page: d.documentElement.scrollWidth, tables };
      });
    expect(await overflow()).toEqual({ page: 1400, tables: [] });
    await page.screenshot({ path: join(shots, 'report-top.png') });
    await expectPng(join(shots, 'report-top.png'));
    await page.locator('#plots').screenshot({ path: join(shots, 'report-plots.png') });
    await expectPng(join(shots, 'report-plots.png'));
    for (const summary of await page.locator('details > summary').all()) {
      if ((await summary.locator('..').getAttribute('open')) === null) await summary.click();
    }
    expect(await overflow()).toEqual({ page: 1400, tables: [] });
    await page.locator('#conversations').screenshot({ path: join(shots, 'report-conversations.png') });
    await expectPng(join(shots, 'report-conversations.png'));
    expect(errors).toEqual([]);
  });
});

describe('renderDiffHtml', () => {
  it('escapes every payload of the diff: no markup from the data survives', async () => {
    const input = await loadInput();
    const out = renderDiffHtml(input.diffs[0]!);
    // One script, ours, at the end of the body; no other markup from the data survives.
    expect(out.match(/<script/g)).toHaveLength(1);
    expect(out.replace(/<script>[\s\S]*?<\/script>/, '')).not.toMatch(/<script|<img|<svg|<a\s|onerror="/i);
    expect(out).toContain(escapeHtml(PAYLOADS[0]!));
    expect(out).toMatch(/<details class="diff"[^>]* open>/);
    expect(out).toMatch(/<del>/);
    expect(out).toMatch(/<ins>/);
  });

  it('escapes the characters that can end text or an attribute value', () => {
    expect(escapeHtml(`&<>"'\``)).toBe('&amp;&lt;&gt;&quot;&#39;&#96;');
  });
});
