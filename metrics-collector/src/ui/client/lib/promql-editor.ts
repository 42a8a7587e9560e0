// The PromQL editor: CodeMirror 6 with @prometheus-io/codemirror-promql for highlighting, linting (syntax
// errors at their position) and autocompletion of functions, metric names, label names and values fetched
// from our own /api/v1 endpoints. It replaces a <textarea> that stays the form field (kept in sync).
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { apiFetch } from '@flowrent/shared/ui/client/lib/api';
import { tags } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--level-fatal)' },
  { tag: tags.function(tags.variableName), color: 'var(--level-info)' },
  { tag: tags.labelName, color: 'var(--level-warn)' },
  { tag: tags.string, color: 'var(--ok)' },
  { tag: tags.number, color: 'var(--level-debug)' },
  { tag: tags.operator, color: 'var(--level-error)' },
  { tag: tags.comment, color: 'var(--text-muted)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--level-error)' },
]);

const theme = EditorView.theme({
  '&': {
    backgroundColor: 'var(--surface)',
    color: 'var(--text)',
    border: '1px solid var(--border-strong)',
    borderRadius: 'var(--radius)',
    fontSize: '13.5px',
    minHeight: '34px',
  },
  '&.cm-focused': {
    outline: 'none',
    borderColor: 'var(--accent)',
    boxShadow: '0 0 0 3px var(--accent-soft)',
  },
  '.cm-content': { fontFamily: 'var(--mono)', padding: '6px 0', caretColor: 'var(--text)' },
  '.cm-line': { padding: '0 9px' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-placeholder': { color: 'var(--text-muted)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--surface)',
    color: 'var(--text)',
    border: '1px solid var(--border-strong)',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--accent-soft)',
    color: 'var(--text)',
  },
  '.cm-completionDetail': { color: 'var(--text-muted)', marginLeft: '8px' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--level-error)' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': {
    backgroundColor: 'var(--accent-soft) !important',
  },
});

export interface EditorOptions {
  /** Runs the query (Enter without Shift). */
  onSubmit: () => void;
  placeholderText?: string;
}

export function mountPromqlEditor(textarea: HTMLTextAreaElement, options: EditorOptions): EditorView {
  const promql = new PromQLExtension().setComplete({
    remote: {
      url: '',
      httpMethod: 'GET',
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => apiFetch(String(input), init),
      lookbackInterval: 12 * 60 * 60 * 1000,
    },
  });
  // CodeMirror injects its styles with a <style> element, which our CSP (style-src 'self') blocks in a
  // document; inside a shadow root it uses a constructed stylesheet instead, which CSP allows. The road
  // not taken: a per-response style nonce, which would loosen the CSP every other page shares.
  const host = document.createElement('div');
  host.className = 'query-editor';
  host.dataset.search = '';
  const shadow = host.attachShadow({ mode: 'open' });
  host.tabIndex = -1;
  textarea.insertAdjacentElement('beforebegin', host);
  textarea.hidden = true;
  textarea.removeAttribute('data-search');
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        history(),
        closeBrackets(),
        bracketMatching(),
        autocompletion(),
        promql.asExtension(),
        syntaxHighlighting(highlight),
        theme,
        EditorView.lineWrapping,
        placeholder(
          options.placeholderText ??
            'Expression (press / to focus, Enter to run, Shift+Enter for a new line)',
        ),
        Prec.highest(
          keymap.of([
            {
              key: 'Enter',
              run: (v) => {
                // Let an open completion take Enter; otherwise run the query.
                if (document.querySelector('.cm-tooltip-autocomplete')) return false;
                textarea.value = v.state.doc.toString();
                options.onSubmit();
                return true;
              },
            },
          ]),
        ),
        keymap.of([
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...historyKeymap,
          ...completionKeymap,
          ...lintKeymap,
        ]),
        // After the completion keymap, so Esc first closes an open completion list, then leaves the editor.
        keymap.of([
          {
            key: 'Escape',
            run: (v) => {
              v.contentDOM.blur();
              return true;
            },
          },
        ]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
        EditorView.contentAttributes.of({ 'aria-label': 'PromQL expression' }),
      ],
    }),
  });
  // "/" focuses [data-search] (the host); hand the focus to CodeMirror's content element.
  host.addEventListener('focus', () => view.focus());
  return view;
}
