// Bearer token of a protected service: kept in localStorage, asked for in a dialog when a request answers 401.
import { h } from './dom.ts';

const TOKEN_KEY = 'gradscope.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled (private mode, file://): run without a remembered token
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // not persisted; the prompt asks again next time
  }
}

let pending: Promise<string | null> | null = null;

/**
 * Asks for a token (one dialog at a time: concurrent 401s share it). Resolves with the token, stored, or null
 * when the user cancels.
 */
export function promptForToken(rejected: boolean): Promise<string | null> {
  pending ??= showDialog(rejected).finally(() => {
    pending = null;
  });
  return pending;
}

function showDialog(rejected: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const input = h('input', {
      type: 'password',
      id: 'token-input',
      name: 'token',
      autocomplete: 'current-password',
      required: true,
      spellcheck: 'false',
    });
    const dialog = h(
      'dialog.token-dialog',
      { 'aria-labelledby': 'token-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'token-title', text: 'Access token required' }),
        h('p', {
          text: rejected
            ? 'The service did not accept the stored token. Enter a valid one.'
            : 'This Gradscope service needs a bearer token (one of its AUTH_TOKENS).',
        }),
        h('label', { for: 'token-input', text: 'Token' }),
        input,
        h(
          'div.dialog-actions',
          {},
          h('button.secondary', { value: 'cancel', formnovalidate: true, text: 'Cancel' }),
          h('button', { value: 'ok', text: 'Use token' }),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const token = dialog.returnValue === 'ok' ? input.value.trim() : '';
      dialog.remove();
      if (token) setToken(token);
      resolve(token || null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
