// Page building blocks shared by the run and compare pages: titled chart cards and stat tiles.
import { depthGradient } from '../colors.ts';
import { h } from '../dom.ts';

/** A titled card; `body` is where the chart goes. */
export function chartCard(
  title: string,
  explain: string,
  opts: { wide?: boolean; third?: boolean; id?: string } = {},
): { card: HTMLElement; body: HTMLElement; title: HTMLElement } {
  const heading = h('h3', { text: title });
  const body = h('div.chart-body');
  const card = h(
    `section.card.chart-card${opts.wide ? '.wide' : ''}${opts.third ? '.third' : ''}`,
    { id: opts.id, 'aria-label': title },
    heading,
    explain ? h('p.explain', { text: explain }) : null,
    body,
  );
  return { card, body, title: heading };
}

export function stat(label: string, value: string, title?: string): HTMLElement {
  return h('div.stat', { title }, h('div.stat-label', { text: label }), h('div.stat-value', { text: value }));
}

/** The depth colour ramp with its two ends named. */
export function depthLegend(layers: number): HTMLElement {
  return h(
    'div.depth-legend',
    {},
    h('span', { text: 'layer 1 (input side)' }),
    h('span.ramp', { style: `background:${depthGradient()}`, 'aria-hidden': 'true' }),
    h('span', { text: `layer ${layers} (output)` }),
  );
}
