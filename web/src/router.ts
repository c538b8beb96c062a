// Hash routes: #/ (runs and the submit form), #/runs/<id>, #/compare?ids=a,b, #/sweeps, #/sweeps/<id>, and the page
// each mounts.

/** A mounted page; destroy closes its sockets, timers and charts. */
export interface Page {
  destroy(): void;
}

export type Route =
  | { page: 'list'; preset: string | null }
  | { page: 'run'; id: string }
  | { page: 'compare'; ids: string[] }
  | { page: 'sweeps' }
  | { page: 'sweep'; id: string }
  | { page: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  if (path === '/' || path === '') return { page: 'list', preset: params.get('preset') };
  const run = /^\/runs\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  if (run) return { page: 'run', id: run[1].toLowerCase() };
  if (path === '/sweeps' || path === '/sweeps/') return { page: 'sweeps' };
  const sweep = /^\/sweeps\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  if (sweep) return { page: 'sweep', id: sweep[1].toLowerCase() };
  if (path === '/compare') {
    const ids = (params.get('ids') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => /^[0-9a-f-]{36}$/.test(s));
    return { page: 'compare', ids: [...new Set(ids)] };
  }
  return { page: 'not-found', hash: raw };
}

export const href = {
  list: () => '#/',
  run: (id: string) => `#/runs/${id}`,
  compare: (ids: string[]) => `#/compare?ids=${ids.join(',')}`,
  sweeps: () => '#/sweeps',
  sweep: (id: string) => `#/sweeps/${id}`,
};

export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
