// The probe view's theory panels in a real headless Chromium against the real service: the Jacobian spectrum's
// histogram and summary, and the init advisor's table beside the measured statistics.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFinished } from '../helpers/service.ts';
import { type DashboardApp, startDashboardApp } from './dashboard-app.ts';

/** An orthogonal tanh probe, 4 layers of 64, square so that ∂Z_L/∂x has 64 singular values. */
const probe = {
  kind: 'probe',
  name: 'orthogonal tanh spectrum',
  network: {
    inputSize: 64,
    layers: [
      ...Array.from({ length: 3 }, () => ({ units: 64, activation: 'tanh' })),
      { units: 64, activation: 'linear' },
    ],
    loss: 'mse',
  },
  init: { weights: { scheme: 'orthogonal' } },
  data: { source: 'normal', n: 128, features: 64, targets: 'regression', outputs: 64 },
};

describe('probe view: spectrum and init advisor', () => {
  let dashboard: DashboardApp;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    dashboard = await startDashboardApp(1);
    ({ url, browser } = dashboard);
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
  });

  it('shows the histogram of singular values, its summary and the advisor table', {
    timeout: 120_000,
  }, async () => {
    const res = await fetch(`${url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(probe),
    });
    const { id } = await res.json();
    const run = await runFinished({ url } as Parameters<typeof runFinished>[0], id, 90_000);
    expect(run.status).toBe('succeeded');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}/#/runs/${id}`);
    await page.waitForSelector('#spectrum canvas', { timeout: 60_000 });
    const label = await page.$eval('#spectrum canvas', (c) => c.getAttribute('aria-label'));
    expect(label).toBe('histogram of log10 of 64 singular values');
    // the canvas has bars drawn (not blank)
    const inked = await page.$eval('#spectrum canvas', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    const stats = await page.$$eval('#spectrum .stat', (els) => els.map((e) => e.textContent));
    expect(stats[0]).toBe('singular values64');
    const fraction = run.result.spectrum.fractionNearOne;
    expect(stats[3]).toBe(`within ×2 of 1${(fraction * 100).toFixed(1)}%`);
    const rows = await page.$$eval('#advisor tbody tr', (els) =>
      els.map((e) => e.querySelectorAll('td').length),
    );
    expect(rows).toEqual([8, 8, 8, 8]);
    // tanh without bias: the critical gain is 1
    const gain = await page.$eval('#advisor tbody tr td:nth-child(3)', (e) => e.textContent);
    expect(Number(gain)).toBeCloseTo(1, 2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
