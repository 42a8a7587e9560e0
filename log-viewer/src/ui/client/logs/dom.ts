// Tiny DOM builder: strings always become text nodes, never HTML, so log content stays inert.
export type Child = Node | string | null | undefined | false;

export function h(
  tag: string,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** Tells the shared script that new times/numbers need rendering. */
export function announceContent(el: Element): void {
  el.dispatchEvent(new Event('flowrent:content', { bubbles: true }));
}
