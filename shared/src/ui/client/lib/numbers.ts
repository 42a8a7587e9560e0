// Elements with data-number="1234567" show "1,234,567" (server pages usually pre-format; this covers scripts).
import { formatNumber } from '../../format.js';

export function renderNumbers(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-number]')) {
    const value = el.dataset.number ?? '';
    el.textContent = formatNumber(value);
  }
}
