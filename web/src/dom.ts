// A tiny element builder: h('tag.class', {attrs}, children…) instead of a framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Creates an element. `tag` may carry classes ('div.card.wide'); attributes starting with `on` are listeners
 * (`onclick`), booleans toggle the attribute, null/undefined/false leave it out; `text` sets textContent.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K | `${K}.${string}`,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name as K);
  if (classes.length > 0) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'class') {
      el.className = [el.className, String(value)].filter(Boolean).join(' ');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * Calls `fn` in an animation frame, at most once per frame however often `schedule` is called, and leaves at
 * least as much time between two calls as the last one took to reach the screen (script, layout, paint and
 * raster up to the next frame). A light page redraws every frame; a heavy one (50 layers × 2,000 points on a
 * machine without a GPU) redraws less often and keeps half its time for the messages that feed it.
 */
export function frameThrottle(fn: () => void): { schedule(): void; cancel(): void } {
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let notBefore = 0;
  const run = () => {
    frame = 0;
    const start = performance.now();
    fn();
    // The next frame starts once this one is on screen: its start measures what the redraw cost.
    requestAnimationFrame((next) => {
      notBefore = next + Math.max(0, next - start - 16);
    });
  };
  return {
    schedule() {
      if (frame !== 0 || timer !== null) return;
      const wait = notBefore - performance.now();
      if (wait <= 0) frame = requestAnimationFrame(run);
      else
        timer = setTimeout(() => {
          timer = null;
          frame = requestAnimationFrame(run);
        }, wait);
    },
    cancel() {
      if (frame !== 0) cancelAnimationFrame(frame);
      if (timer !== null) clearTimeout(timer);
      frame = 0;
      timer = null;
    },
  };
}
