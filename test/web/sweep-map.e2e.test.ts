// The sweep pages in a real headless Chromium against the real service: the trainability map renders with the
// theory's boundary drawn on it, clicking a cell opens its run; the results table sorts; the profiles draw.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, waitFor } from '../helpers/service.ts';
import { type DashboardApp, startDashboardApp } from './dashboard-app.ts';

describe('sweep pages: the trainability map', () => {
  let dashboard: DashboardApp;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    dashboard = await startDashboardApp(2);
    ({ url, browser } = dashboard);
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
  });

  it('renders the map with the critical line and depth limit; a click on a cell opens its run', {
    timeout: 120_000,
  }, async () => {
    const created = await http(`${url}/v1/sweeps`, {
      body: {
        kind: 'trainability',
        name: 'e2e map',
        activation: 'tanh',
        width: 8,
        depths: [2, 6, 12],
        sigmaW2: [0.5, 1, 2, 3],
        maxConcurrent: 2,
      },
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    const sweep = await waitFor(async () => {
      const r = await http(`${url}/v1/sweeps/${id}`);
      return r.body.progress.done === 12 ? r.body : null;
    }, 90_000);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}/#/sweeps/${id}`);
    await page.waitForSelector('#sweep-map svg rect.cell', { timeout: 60_000 });
    expect(await page.$$eval('#sweep-map rect.cell', (els) => els.length)).toBe(12);
    // The critical line of tanh at σ_b = 0 is σ_w² = 1: the second column's centre.
    const critical = await page.$eval('#sweep-map path.critical-line', (p) => p.getAttribute('d'));
    const secondColumn = await page.$eval('#sweep-map rect.cell[data-index="1"]', (r) => {
      const x = Number(r.getAttribute('x'));
      return x + Number(r.getAttribute('width')) / 2;
    });
    const lineX = Number(/^M([\d.]+),/.exec(critical ?? '')?.[1]);
    expect(Math.abs(lineX - secondColumn)).toBeLessThan(1);
    const limit = await page.$eval('#sweep-map path.depth-limit', (p) => p.getAttribute('d'));
    expect((limit ?? '').split('L').length).toBeGreaterThan(10);
    // The cells are coloured by the measure: not all the same colour.
    const fills = await page.$$eval(
      '#sweep-map rect.cell',
      (els) => new Set(els.map((e) => e.getAttribute('fill'))).size,
    );
    expect(fills).toBeGreaterThan(3);
    // Re-colour by final loss, then open the deepest, most ordered cell's run.
    await page.selectOption('#map-measure', 'finalLoss');
    await page.waitForSelector('#sweep-map rect.cell[data-index="8"]');
    const target = sweep.points[8].runId;
    await page.click('#sweep-map rect.cell[data-index="8"]');
    await page.waitForFunction((run) => location.hash === `#/runs/${run}`, target);
    await page.goto(`${url}/#/sweeps/${id}`);
    await page.waitForSelector('#sweep-results tbody tr');
    // Sort by the gradient ratio: ascending puts the most vanishing point first.
    await page.click('#sweep-results th[data-key="log10GradRatio"] button');
    const firstIndex = await page.$eval('#sweep-results tbody tr', (tr) =>
      Number(tr.getAttribute('data-index')),
    );
    const ratios = sweep.points.map((p: { log10GradRatio: number }) => p.log10GradRatio);
    expect(ratios[firstIndex]).toBe(Math.min(...ratios));
    await page.waitForSelector('#sweep-profiles svg.profile path');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('submits a sweep from the form and lands on its page', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/#/sweeps`);
    await page.waitForSelector('#sweep-form');
    await page.selectOption('#sweep-preset', 'gain-init');
    await page.fill('#sweep-width', '8');
    await page.fill('#sweep-depth', '3');
    await page.click('#sweep-form button[type="submit"]');
    await page.waitForFunction(() => /^#\/sweeps\/[0-9a-f-]{36}$/.test(location.hash));
    await page.waitForSelector('#sweep-results tbody tr');
    expect(await page.$$eval('#sweep-results tbody tr', (els) => els.length)).toBe(15);
    await page.close();
  });
});
