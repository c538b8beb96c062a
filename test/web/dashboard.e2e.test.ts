// The dashboard in a real headless Chromium against the real service (embedded PGlite, worker pool): submit a
// preset, watch the run page fill live until the run succeeds, compare a probe pair, see validation errors
// next to the editor, and sign in with a token when the service requires one. Saves a screenshot.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal } from '../../src/model/status.ts';
import type { NamedRunSpec } from '../../src/schemas/specs.ts';
import { presetById } from '../../web/src/presets.ts';
import { type DashboardApp, startDashboardApp } from './dashboard-app.ts';

type TrainSpec = Extract<NamedRunSpec, { kind: 'train' }>;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Attributes of the run page root: data-status, data-steps-received, data-points, data-last-step. */
async function runPageData(page: Page): Promise<Record<string, string>> {
  return page.$eval('.run-page', (el) => ({ ...(el as HTMLElement).dataset }) as Record<string, string>);
}

describe('dashboard in Chromium against the real service', () => {
  let svc: DashboardApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    svc = await startDashboardApp(2);
    browser = svc.browser;
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
  });

  it('serves the page and its hashed assets with cache headers', async () => {
    const res = await fetch(`${svc.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    const js = /src="(app-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const asset = await fetch(`${svc.url}/${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Read the body: an unread one keeps the connection busy and delays the server's close.
    expect((await asset.text()).length).toBeGreaterThan(10_000);
  });

  it('submits a preset and shows the run live until it succeeds', async () => {
    await page.goto(`${svc.url}/`);
    await expect(page.title()).resolves.toBe('Gradscope');
    await page.waitForSelector('table.runs');
    await page.waitForSelector('.run-list .live[data-state="open"]');

    // A longer variant of the quick He preset, so that steps arrive while the page watches.
    await page.click('label[data-preset="course-he-quick"]');
    const preset = JSON.parse(await page.inputValue('#spec-editor'));
    expect(preset).toMatchObject({ kind: 'train', init: { weights: { scheme: 'he_normal' } } });
    preset.training.steps = 4000;
    preset.telemetry.every = 2;
    // More samples (full batch) than the course's 300 make each step slower, so the run lasts seconds rather than
    // a blink: generated circles instead of the preset's inline course data.
    preset.data = { source: 'circles', n: 4000, noise: 0.05, testFraction: 0.25 };
    preset.name = 'e2e: He on circles';
    await page.fill('#spec-editor', JSON.stringify(preset, null, 2));
    await page.click('#submit-run');

    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
    const id = /runs\/([0-9a-f-]{36})/.exec(page.url())![1];
    await page.waitForSelector(`.run-page[data-run-id="${id}"] .uplot`);

    // Sample the number of steps the page has received while the run goes on: it must grow.
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      const d = await runPageData(page);
      seen.push(Number(d.stepsReceived ?? 0));
      if (d.status === 'succeeded') break;
      await page.waitForTimeout(50);
    }
    const distinct = [...new Set(seen)].filter((n) => n > 0);
    expect(distinct.length).toBeGreaterThanOrEqual(2);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));

    await page.waitForSelector('.run-page[data-status="succeeded"]', { timeout: 60_000 });
    await expect(page.textContent('.title-row .pill')).resolves.toBe('succeeded');
    await page.waitForFunction(`document.querySelector('.run-page .live')?.textContent === 'complete'`);
    const d = await runPageData(page);
    // 4,000 steps recorded every 2, plus the last: all 2,001 received, thinned to at most 2,000 points kept.
    expect(Number(d.stepsReceived)).toBe(2001);
    expect(Number(d.lastStep)).toBe(3999);
    expect(Number(d.points)).toBeGreaterThan(900);
    expect(Number(d.points)).toBeLessThanOrEqual(2000);
    const chartPoints = await page.$$eval('figure.chart[data-points]', (els) =>
      els.map((e) => Number((e as HTMLElement).dataset.points)),
    );
    expect(chartPoints.length).toBeGreaterThanOrEqual(3); // loss, accuracy, per-layer norms, heatmap
    expect(Math.max(...chartPoints)).toBe(Number(d.points));
    // …and the chart area says so.
    await expect(page.textContent('.points-note')).resolves.toBe(
      `${Number(d.points).toLocaleString('en-US')} of 2,001 recorded steps shown · Download CSV has every one`,
    );

    // The training learnt the rings, and the page says so.
    const stats = await page.$$eval('.stat', (els) =>
      Object.fromEntries(
        els.map((e) => [
          e.querySelector('.stat-label')?.textContent,
          e.querySelector('.stat-value')?.textContent,
        ]),
      ),
    );
    expect(stats.Steps).toBe('4,000 / 4,000');
    expect(Number.parseFloat(stats['Train accuracy'] ?? '')).toBeGreaterThan(90);
    await expect(page.textContent('.callout .diagnosis')).resolves.toMatch(/healthy|vanishing|exploding/);
    // The banner labels both phases, each with its own message.
    const phases = await page.$$eval('.callout .diagnosis-phase', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    expect(phases).toHaveLength(2);
    expect(phases[0]).toMatch(/^At initialization \(step 0\): /);
    expect(phases[1]).toMatch(/^At the end of training \(step 3,999\): /);
    expect(await page.$$('.heatmap canvas')).toHaveLength(1);
    expect(await page.isVisible('text=Download weights')).toBe(true);

    await page.evaluate('window.scrollTo(0, 0)');
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const shot = join(ROOT, 'test-artifacts/dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, join(ROOT, 'docs/dashboard.png'));

    // Downloads: the metrics as CSV (one row per step and layer: every recorded step) and the weights as JSON.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('text=Download CSV')]);
    expect(csv.suggestedFilename()).toBe(`gradscope-${id.slice(0, 8)}-metrics.csv`);
    const csvLines = (await streamText(await csv.createReadStream())).trim().split('\n');
    expect(csvLines[0]).toMatch(
      /^step,loss,globalGradNorm,trainAccuracy,testAccuracy,layer,gradNorm,gradRms,/,
    );
    expect(csvLines).toHaveLength(1 + 2001 * 3);
    const [model] = await Promise.all([page.waitForEvent('download'), page.click('text=Download weights')]);
    const weights = JSON.parse(await streamText(await model.createReadStream()));
    expect(weights.layout.layers.map((l: { fanOut: number }) => l.fanOut)).toEqual([10, 5, 1]);
    expect(weights.final[0].W).toHaveLength(10);

    // The list shows the run as succeeded and links to it.
    await page.click('a.back');
    const row = `tr[data-run-id="${id}"]`;
    await page.waitForSelector(`${row}[data-status="succeeded"]`);
    await expect(page.textContent(`${row} .badge`)).resolves.toMatch(/healthy|vanishing|exploding/);
    await expect(page.textContent(`${row} .progress-label`)).resolves.toBe('4,000 / 4,000');

    // Delete it from its page (after confirming): back on the list, the row is gone.
    await page.click(`${row} td.name a`);
    await page.waitForSelector('.run-page[data-status="succeeded"] .uplot');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('button.danger');
    await page.waitForURL(/#\/$/);
    await page.waitForSelector('table.runs');
    await page.waitForFunction(`!document.querySelector('tr[data-run-id="${id}"]')`);
    expect((await fetch(`${svc.url}/v1/runs/${id}`)).status).toBe(404);
  });

  it('resumes a dropped run stream from the step after the last one received', async () => {
    const watched = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watched.on('pageerror', (e) => pageErrors.push(e.message));
    // Keep a handle on every WebSocket the page opens, with the URL it was opened with.
    await watched.addInitScript(
      'window.__sockets = []; const Native = window.WebSocket; window.WebSocket = class extends Native {' +
        ' constructor(url, protocols) { super(url, protocols); window.__sockets.push({ url: String(url), socket: this }); } };',
    );
    const spec = structuredClone(presetById('course-he-quick')!.specs[0]) as TrainSpec;
    // Long enough (several seconds) that the socket drops mid-run, not after the end.
    spec.training.steps = 20_000;
    spec.telemetry = { every: 10 };
    spec.name = 'e2e: dropped stream';
    const created = await fetch(`${svc.url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    const { id } = (await created.json()) as { id: string };
    await watched.goto(`${svc.url}/#/runs/${id}`);
    await watched.waitForFunction(
      `Number(document.querySelector('.run-page')?.dataset.stepsReceived ?? 0) > 50`,
    );
    // Drop the run's socket mid-run, as a network failure would: the page reconnects on its own.
    await expect(watched.textContent('.run-page .live')).resolves.toBe('live');
    await watched.evaluate(
      `window.__sockets.filter((s) => s.url.includes('/v1/runs/')).forEach((s) => s.socket.close(4000, 'dropped'))`,
    );
    await watched.waitForSelector('.run-page[data-status="succeeded"]', { timeout: 60_000 });
    await watched.waitForFunction(`document.querySelector('.run-page .live')?.textContent === 'complete'`);
    const urls = (await watched.evaluate(
      `window.__sockets.map((s) => s.url).filter((u) => u.includes('/v1/runs/'))`,
    )) as string[];
    expect(urls.length).toBeGreaterThanOrEqual(2);
    // The first socket starts where the history request ended (its last step, sent again in full), or at 0.
    const first = new URL(urls[0]).searchParams.get('from');
    expect(first === null || Number(first) % 10 === 0).toBe(true);
    // Recorded steps are multiples of 10: the resumed stream starts at the step after the last one received.
    const from = Number(new URL(urls[1]).searchParams.get('from'));
    expect(from).toBeGreaterThan(500);
    expect(from % 10).toBe(1);
    // Every recorded step arrived exactly once across the two sockets: none missing (a duplicate is dropped).
    const d = await runPageData(watched);
    expect(Number(d.stepsReceived)).toBe(2001);
    expect(Number(d.lastStep)).toBe(19_999);
    await watched.close();
  });

  it('submits a probe pair and compares it layer by layer', async () => {
    await page.goto(`${svc.url}/#/?preset=relu30`);
    await page.waitForSelector('#preset-relu30:checked');
    await page.click('#submit-run');
    await page.waitForURL(/#\/compare\?ids=/);
    await page.waitForSelector('.compare-page[data-status="succeeded,succeeded"]', { timeout: 60_000 });
    await page.waitForSelector('.compare-page .chart-card canvas');
    const verdicts = await page.$$eval('.compare-page tbody tr .badge', (els) =>
      els.map((e) => e.textContent),
    );
    // Xavier under ReLU shrinks the signal layer after layer; He keeps it.
    expect(verdicts).toEqual(['↓ vanishing', '✓ healthy']);
    const titles = await page.$$eval('.compare-page .chart-card h3', (els) => els.map((e) => e.textContent));
    expect(titles).toEqual(
      expect.arrayContaining([
        'Gradient flow per layer',
        'Forward: pre-activation std',
        'Backward: RMS of ∂loss/∂Z',
      ]),
    );
  });

  it('lists the errors of a rejected spec next to the editor', async () => {
    await page.goto(`${svc.url}/#/`);
    await page.waitForSelector('#spec-editor');
    const spec = JSON.parse(await page.inputValue('#spec-editor'));
    spec.network.layers[1].units = 0;
    spec.network.layers[0].colour = 'red';
    // Generated data instead of the course preset's 400 inline points: a short text to type into the editor.
    spec.data = { source: 'circles', n: 100 };
    await page.fill('#spec-editor', JSON.stringify(spec, null, 2));
    await page.click('#submit-run');
    await page.waitForSelector('#submit-errors .problem');
    const pointers = await page.$$eval('#submit-errors code.pointer', (els) => els.map((e) => e.textContent));
    expect(pointers).toEqual(
      expect.arrayContaining(['/body/network/layers/1/units', '/body/network/layers/0/colour']),
    );
    expect(page.url()).toMatch(/#\/$/);
  });

  /** Submits through the API and waits for the run to end; returns its id. */
  async function finishedRun(spec: NamedRunSpec): Promise<string> {
    const res = await fetch(`${svc.url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    const { id } = (await res.json()) as { id: string };
    for (let i = 0; i < 1200; i++) {
      const run = (await (await fetch(`${svc.url}/v1/runs/${id}`)).json()) as { status: string };
      if (isFinal(run.status)) return id;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`run ${id} did not finish`);
  }

  const chart = (label: string) => `figure.chart[aria-label="${label}"]`;
  const attr = (selector: string, name: string) =>
    page.$eval(selector, (el, n) => (el as HTMLElement).dataset[n] ?? '', name);

  it('draws a diverged run honestly: labelled axes, non-finite markers, the divergence said once', async () => {
    const spec = structuredClone(presetById('deep-linear-train')!.specs[0]) as TrainSpec;
    const id = await finishedRun(spec);
    await page.goto(`${svc.url}/#/runs/${id}`);
    await page.waitForSelector('.run-page[data-status="diverged"]');
    await page.waitForFunction(`document.querySelector('.run-page .live')?.textContent === 'complete'`);
    await page.waitForSelector(`${chart('Loss over steps')}[data-non-finite="1"]`);
    // The loss goes from 3.4e3 to 2.9e244: its log axis is still ticked and labelled, in decades.
    const yTicks = (await attr(chart('Loss over steps'), 'yTicks')).split(' ');
    expect(yTicks.length).toBeGreaterThanOrEqual(2);
    for (const t of yTicks) expect(t).toMatch(/^1e\d+$/);
    // A 3-step run is ticked at whole steps, never 0.5.
    expect(await attr(chart('Loss over steps'), 'xTicks')).toBe('0 1 2');
    expect(await attr(chart('Gradient norm per layer over steps'), 'nonFinite')).toBe('1');
    // The per-layer panels at the diverged step mark every layer as NaN/∞ instead of drawing nothing.
    await expect(page.textContent('.chart-card h3 >> text=Gradient flow')).resolves.toBe(
      'Gradient flow at step 2',
    );
    expect(Number(await attr(chart('Gradient norm per layer'), 'nonFinite'))).toBe(10);
    // The divergence sentence is said once (it was in the diagnosis, the divergence and the error callouts).
    const run = (await (await fetch(`${svc.url}/v1/runs/${id}`)).json()) as {
      summary: { divergence: { message: string } };
    };
    const sentence = run.summary.divergence.message;
    expect(sentence).toMatch(/diverged at step 2/);
    const callouts = (await page.textContent('.callouts')) ?? '';
    expect(callouts.split(sentence).length - 1).toBe(1);

    // The step picker: at initialization, any step, back to the newest.
    await page.click('.step-picker button[data-pick="init"]');
    await page.waitForSelector('.chart-card h3 >> text="Gradient flow at step 0"');
    expect(await attr(chart('Gradient norm per layer'), 'nonFinite')).toBe('0');
    expect(await attr(chart('Gradient norm per layer'), 'bars')).toBe('10');
    await page.fill('.step-picker .step-number', '1');
    await page.dispatchEvent('.step-picker .step-number', 'change');
    await page.waitForSelector('.chart-card h3 >> text="Gradient flow at step 1"');
    await page.click('.step-picker button[data-pick="end"]');
    await page.waitForSelector('.chart-card h3 >> text="Gradient flow at step 2"');
    await page.screenshot({ path: join(ROOT, 'test-artifacts/diverged.png'), fullPage: true });

    // The compare page: the same labelled log axis, and its own step picker for the gradient flow.
    const other = await finishedRun(presetById('deep-linear-train')!.specs[1] as TrainSpec);
    await page.goto(`${svc.url}/#/compare?ids=${id},${other}`);
    await page.waitForSelector('.compare-page[data-status="diverged,succeeded"]');
    await page.waitForSelector(`${chart('Loss of the runs')}[data-non-finite="1"]`);
    expect((await attr(chart('Loss of the runs'), 'yTicks')).split(' ').length).toBeGreaterThanOrEqual(2);
    // At the newest steps the diverged run has no finite ‖dW‖: only the other run's 10 bars.
    await page.waitForSelector(`${chart('Gradient flow per layer')}[data-bars="10"]`);
    // …and its 10 layers are marked NaN/∞ (a red bar with a cross each), not left empty.
    expect(await attr(chart('Gradient flow per layer'), 'nonFinite')).toBe('10');
    await page.screenshot({ path: join(ROOT, 'test-artifacts/compare-diverged.png'), fullPage: true });
    await page.click('.step-picker button[data-pick="init"]');
    await page.waitForSelector(`${chart('Gradient flow per layer')}[data-bars="20"]`);
    expect(await attr(chart('Gradient flow per layer'), 'nonFinite')).toBe('0');
  });

  it('opens a long run from one downsampled history request and zooms to full resolution', async () => {
    const spec = structuredClone(presetById('course-he-quick')!.specs[0]) as TrainSpec;
    spec.training.steps = 5000;
    spec.telemetry = { every: 1 };
    spec.name = 'e2e: zoom';
    const id = await finishedRun(spec);
    const requests: string[] = [];
    const onRequest = (r: { url(): string }) => requests.push(r.url());
    page.on('request', onRequest);
    const frames: number[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', () => frames.push(1)));
    await page.goto(`${svc.url}/#/runs/${id}`);
    await page.waitForFunction(`document.querySelector('.run-page .live')?.textContent === 'complete'`);
    const d = await runPageData(page);
    expect(Number(d.stepsReceived)).toBe(5000);
    expect(Number(d.lastStep)).toBe(4999);
    // One history request, then a stream of hello, the last step in full and end: not 5,000 messages.
    expect(requests.filter((u) => u.includes('/history')).length).toBe(1);
    expect(frames.length).toBeLessThanOrEqual(4);
    const loss = chart('Loss over steps');
    expect(Number(await attr(loss, 'points'))).toBeLessThanOrEqual(2000);
    // Drag across a tenth of the loss chart: the range comes again from the server, every step of it.
    const box = (await page.locator(`${loss} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector(`${loss}[data-zoom]`);
    const [from, to] = (await attr(loss, 'zoom')).split('-').map(Number);
    expect(to - from).toBeGreaterThan(100);
    expect(Number(await attr(loss, 'points'))).toBe(to - from + 1);
    expect(await attr(chart('Gradient norm per layer over steps'), 'zoom')).toBe(`${from}-${to}`);
    page.off('request', onRequest);
    await page.dblclick(`${loss} .u-over`);
    await page.waitForSelector(`${loss}:not([data-zoom])`);
  });

  it('says "all exactly zero" for an all-zero run instead of drawing meaningless scales', async () => {
    const spec = structuredClone(presetById('course-zeros')!.specs[0]) as TrainSpec;
    spec.training.steps = 200;
    const id = await finishedRun(spec);
    await page.goto(`${svc.url}/#/runs/${id}`);
    await page.waitForSelector('.run-page[data-status="succeeded"]');
    await page.waitForFunction(`document.querySelector('.run-page .live')?.textContent === 'complete'`);
    await page.waitForSelector('figure.heatmap[data-all-zero="true"]');
    expect(await attr(chart('Gradient norm per layer'), 'allZero')).toBe('true');
    expect(await attr(chart('Update ratio per layer'), 'allZero')).toBe('true');
    await page.screenshot({ path: join(ROOT, 'test-artifacts/zeros.png'), fullPage: true });
  });

  it('searches the run list by name and shows dates', async () => {
    await page.goto(`${svc.url}/#/`);
    await page.waitForSelector('table.runs tbody tr');
    await page.fill('#filter-name', 'zeros');
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('table.runs tbody td.name')].map(
        (e) => e.textContent ?? '',
      );
      return names.length > 0 && names.every((n) => /zeros/i.test(n));
    });
    const time = (await page.textContent('table.runs tbody td.time')) ?? '';
    expect(time).toContain(String(new Date().getFullYear()));
  });

  it('ran without uncaught page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('dashboard with bearer-token authentication', () => {
  let svc: DashboardApp;
  let browser: Browser;

  beforeAll(async () => {
    svc = await startDashboardApp(2, { AUTH_TOKENS: 'e2e-secret' });
    browser = svc.browser;
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
  });

  it('asks for the token on 401, stores it, and uses it for requests and streams', async () => {
    const page = await browser.newPage();
    await page.goto(`${svc.url}/`);
    await page.waitForSelector('dialog.token-dialog[open]');
    await page.fill('#token-input', 'wrong');
    await page.click('dialog.token-dialog button[value="ok"]');
    // A rejected token brings the dialog back, saying so.
    await page.waitForSelector('dialog.token-dialog[open] >> text=did not accept');
    await page.fill('#token-input', 'e2e-secret');
    await page.click('dialog.token-dialog button[value="ok"]');
    await page.waitForSelector('.run-list .live[data-state="open"]');
    await expect(page.evaluate('localStorage.getItem("gradscope.token")')).resolves.toBe('e2e-secret');
    await expect(page.textContent('.empty-note')).resolves.toMatch(/No runs yet/);

    await page.click('label[data-preset="gradcheck"]');
    await page.click('#submit-run');
    await page.waitForSelector('.run-page[data-status="succeeded"] .gradcheck', { timeout: 60_000 });
    await expect(page.textContent('.gradcheck-summary .pill')).resolves.toBe('pass');
    await page.close();
  });
});
