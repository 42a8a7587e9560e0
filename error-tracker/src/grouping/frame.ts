// What one stack frame contributes to a grouping key, version 3: Sentry's frame strategy
// (getsentry/sentry src/sentry/grouping/strategies/newstyle.py: frame(), get_module_component,
// get_filename_component, get_function_component, get_contextline_component, is_recursive_frames;
// the newstyle:2023-01-11 config, i.e. javascript_fuzzing on, context lines for javascript, node,
// python, php and ruby, without the frame:v3 file-origin bug).
// Not ported: Java/Clojure code-generation markers in module names, C++ signature trimming of
// native function names, and the PHP anonymous-class rename: no SDK we test sends them, and each
// would need its own test data first.
import { basename, type Frame } from './event-shape.js';

const CONTEXT_LINE_PLATFORMS = new Set(['javascript', 'node', 'python', 'php', 'ruby']);
const JAVASCRIPT_PLATFORMS = new Set(['javascript', 'node']);
const NATIVE_PLATFORMS = new Set(['objc', 'cocoa', 'swift', 'native', 'c']);
/** Names engines give a function they cannot name: they say nothing about the code. */
const UNKNOWN_JS_FUNCTIONS = new Set(['?', '<anonymous function>', '<anonymous>', 'Anonymous function']);
/** Frames of no code of the user's: the whole frame is left out. */
const LOW_QUALITY_JS_PATHS = new Set(['[native code]', 'native code', 'eval code', '<anonymous>']);
/** JavaScript frames at these URLs without a module get one made from the URL (below). */
const MODULE_URL = /^(?:https?|webpack|app):/;
const URL_PATH = /^[a-z][a-z0-9+.-]*:(?:\/\/[^/?#]*)?([^?#]*)/i;
// Sentry's CLEAN_MODULE_RE: leading slashes and folders that say nothing (js, static, build,
// versions, short and long hashes, dot- or underscore-folders), and a trailing commit-ish
const CLEAN_MODULE =
  /^(?:\/|(?:(?:java)?scripts?|js|build|static|node_modules|bower_components|[_.~].*?|v?(?:\d+\.)*\d+|[a-f0-9]{7,8}|[a-f0-9]{32}|[a-f0-9]{40})\/)+|[-.][a-f0-9]{7,}$/gi;
/** A hash between dots, as webpack's `[name].[contenthash].chunk.js` (not Sentry's: see below). */
const INNER_HASH = /\.[a-f0-9]{7,}(?=\.)/gi;
const SHA_FOLDER = /^(?:[a-f0-9]{32}|[a-f0-9]{40}$)/i;
/** Longer lines are minified code: they change with every build. Counted in code points. */
const MAX_CONTEXT_LINE_CHARS = 120;
const RUBY_ERB_SUFFIX = /__\d{4,}_\d{4,}$/;
const WHITESPACE_RUN = /\s+/;
/** Whitespace other than a space; with a search for two spaces, cheaper than one regex for both. */
const OTHER_WHITESPACE = /[^\S ]/;

/**
 * The frame's grouping component, or null when nothing of it contributes. `previous`: the frame
 * before it in the stack (all frames, in-app or not), for Sentry's recursion rule.
 */
export function frameComponent(frame: Frame, eventPlatform: string, previous?: Frame): string | null {
  if (previous !== undefined && isRecursion(frame, previous)) return null;
  const platform = frame.platform ?? eventPlatform;
  const javascript = JAVASCRIPT_PLATFORMS.has(platform);
  // Sentry's interface fills a missing abs_path from filename and the other way round
  const absPath = frame.absPath ?? frame.filename;
  const contextLine = CONTEXT_LINE_PLATFORMS.has(platform) ? contextLineOf(frame, javascript, absPath) : '';
  let fn = functionOf(frame, platform, javascript, contextLine !== '');
  if (javascript) {
    // the checks take the name before a source map renamed it, trimmed as above
    const name = lastDottedPart(frame.rawFunction ?? frame.function ?? '');
    if (name === 'eval' || (absPath !== undefined && LOW_QUALITY_JS_PATHS.has(absPath))) return null;
    if (UNKNOWN_JS_FUNCTIONS.has(name) || name.endsWith('/<')) fn = '';
  }
  const location = locationOf(frame, platform, javascript, absPath);
  if (location === '' && fn === '' && contextLine === '') return null;
  // a tab cannot occur in a whitespace-normalized context line, nor in a real name
  return `frame:${location}\t${fn}\t${contextLine}`;
}

/** Sentry's single-frame rule: a lone JavaScript frame without a function, pointing to a URL
 * (a script tag's top level), says nothing. */
export function isLoneUrlFrame(frame: Frame, eventPlatform: string): boolean {
  return (
    JAVASCRIPT_PLATFORMS.has(frame.platform ?? eventPlatform) &&
    frame.function === undefined &&
    isUrl(frame.absPath ?? frame.filename)
  );
}

function isRecursion(a: Frame, b: Frame): boolean {
  return (
    a.absPath === b.absPath &&
    a.package === b.package &&
    a.module === b.module &&
    a.filename === b.filename &&
    a.function === b.function &&
    a.lineno === b.lineno &&
    a.colno === b.colno
  );
}

/** The module when it contributes (it takes precedence), else the lowercased file basename. */
function locationOf(
  frame: Frame,
  platform: string,
  javascript: boolean,
  absPath: string | undefined,
): string {
  let module = frame.module;
  // Sentry's JavaScript processing gives a browser frame the module its URL makes
  if (module === undefined && javascript && absPath !== undefined && MODULE_URL.test(absPath))
    module = generateModule(absPath);
  // a browser "module" that is only the end of its URL says no more than the file
  if (
    module !== undefined &&
    !(platform === 'javascript' && module.includes('/') && absPath?.endsWith(module))
  )
    return module;
  const filename = frame.filename ?? frame.absPath;
  if (filename === undefined || hasUrlOrigin(absPath, true)) return '';
  const name = basename(filename).toLowerCase();
  return name === '<anonymous>' || name === '[native code]' ? '' : name;
}

/**
 * Sentry's generate_module (lang/javascript processing): the URL's path without its extension,
 * `.min`, the folders above a full sha, the folders that say nothing and a trailing hash:
 * `https://x.io/static/js/main.3f2a1b9c.js` -> `main`. One addition: a hash between dots goes too
 * (`main.3f2a1b9c.chunk.js` -> `main.chunk`), which Sentry leaves to source maps; without them
 * every deploy of such a bundle made new issues (black-box 10 #13).
 */
function generateModule(url: string): string {
  let path = URL_PATH.exec(url)?.[1] ?? url;
  const dot = path.lastIndexOf('.');
  if (dot > path.lastIndexOf('/') + 1) path = path.slice(0, dot);
  if (path.endsWith('.min')) path = path.slice(0, -4);
  const tokens = path.split('/');
  for (let i = 0; i < tokens.length; i++)
    if (SHA_FOLDER.test(tokens[i])) return tokens.slice(i + 1).join('/');
  return path.replace(CLEAN_MODULE, '').replace(INNER_HASH, '') || '<unknown module>';
}

function functionOf(frame: Frame, platform: string, javascript: boolean, contextLine: boolean): string {
  // C# SDKs trimmed function names late: Sentry prefers their raw name to keep older keys
  const fn =
    platform === 'csharp' ? (frame.rawFunction ?? frame.function) : (frame.function ?? frame.rawFunction);
  if (fn === undefined) return '';
  if (javascript) {
    // Object.foo, Foo.foo and Timeout._onTimeout differ between engines; the last part does not.
    // Names a source map gave are unreliable: with a context line, the line speaks for them.
    return frame.sourcemap && contextLine ? '' : lastDottedPart(fn);
  }
  if (platform === 'ruby') return fn.startsWith('block ') ? 'block' : fn.replace(RUBY_ERB_SUFFIX, '');
  if (platform === 'php') return fn.startsWith('[Anonymous') || fn.startsWith('class@anonymous\0') ? '' : fn;
  if (platform === 'java') return fn.startsWith('lambda$') ? '' : fn;
  if (NATIVE_PLATFORMS.has(platform)) return fn === '<redacted>' || fn === '<unknown>' ? '' : fn;
  // Python's <module> and <lambda> stay: the context line tells two of them apart
  return fn;
}

/** The whitespace-normalized source line, '' when there is none or it does not contribute. */
function contextLineOf(frame: Frame, javascript: boolean, absPath: string | undefined): string {
  const raw = frame.contextLine;
  if (raw === undefined) return '';
  if (raw.length > MAX_CONTEXT_LINE_CHARS && codePoints(raw) > MAX_CONTEXT_LINE_CHARS) return '';
  // a browser script's line without a function name is likely inline code of a page
  if (javascript && frame.function === undefined && hasUrlOrigin(absPath, false)) return '';
  const trimmed = raw.trim();
  // Python's " ".join(line.expandtabs(2).split()); most lines have only their indentation
  return trimmed.includes('  ') || OTHER_WHITESPACE.test(trimmed)
    ? trimmed.split(WHITESPACE_RUN).join(' ')
    : trimmed;
}

function lastDottedPart(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function hasUrlOrigin(path: string | undefined, allowFileOrigin: boolean): boolean {
  if (path === undefined) return false;
  if (/^(?:https?|applewebdata|blob):/.test(path)) return true;
  return path.startsWith('file:') && !allowFileOrigin;
}

function isUrl(path: string | undefined): boolean {
  return path !== undefined && /^(?:blob:|[a-z][a-z0-9+.-]*:\/\/)/i.test(path);
}
