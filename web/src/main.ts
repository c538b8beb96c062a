// The dashboard's entry: the page shell, and the hash router that mounts one page at a time.
import { h } from './dom.ts';
import { mountCompare } from './pages/compare.ts';
import { mountList } from './pages/list.ts';
import { mountRun } from './pages/run.ts';
import { mountSweep } from './pages/sweep.ts';
import { mountSweeps } from './pages/sweeps.ts';
import { type Page, parseRoute } from './router.ts';

const main = document.getElementById('main')!;
let current: Page | null = null;

function render(): void {
  current?.destroy();
  current = null;
  main.replaceChildren();
  const route = parseRoute(location.hash);
  document.querySelectorAll<HTMLAnchorElement>('[data-nav]').forEach((a) => {
    a.toggleAttribute('aria-current', a.dataset.nav === route.page.replace(/^sweep$/, 'sweeps'));
  });
  switch (route.page) {
    case 'list':
      current = mountList(main, route.preset);
      break;
    case 'run':
      current = mountRun(main, route.id);
      break;
    case 'compare':
      current = mountCompare(main, route.ids);
      break;
    case 'sweeps':
      current = mountSweeps(main);
      break;
    case 'sweep':
      current = mountSweep(main, route.id);
      break;
    default:
      main.append(
        h(
          'section.card.empty',
          {},
          h('h1', { text: 'Page not found' }),
          h('p', {}, 'Nothing lives at ', h('code', { text: `#${route.hash}` }), '. '),
          h('a', { href: '#/', text: '← All runs' }),
        ),
      );
  }
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', render);
render();
