// The escaping template and URL guards come from the shared UI kit; pages import them from here so
// the whole UI has one entry point for "what may become HTML".
export { escapeHtml, html, joinHtml, raw, type SafeHtml, safeUrl } from '@flowrent/shared/ui/html';
