// User-Agent → browser, os and device contexts, as Relay's user-agent normalization fills them from
// `request.headers.User-Agent` (names after ua-parser's regexes.yaml, which Relay uses: "Chrome",
// "Mobile Safari", "Mac OS X", "iOS"...). Pure. A small table for the browsers and systems that
// send nearly all traffic rather than the 1,000-rule uap database (no dependency, a few µs); what
// it does not know gets no context, as uap's "Other" gets none in Relay.

export interface UserAgentContexts {
  browser?: { name: string; version?: string };
  os?: { name: string; version?: string };
  device?: { family: string; model?: string; brand?: string };
}

/** Longer UAs are not parsed: headers that long are not browsers, and the regexes stay linear. */
const MAX_UA_CHARS = 512;

// First match wins: each engine's UA also names the engines it imitates (Edge says Chrome and
// Safari, Chrome says Safari), so the specific ones come first; `mobile` names the variant on phones.
const BROWSERS: { re: RegExp; name: string; mobile?: string }[] = [
  { re: /\bEdg(?:e|A|iOS)?\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Edge', mobile: 'Edge Mobile' },
  { re: /\bOPR\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Opera', mobile: 'Opera Mobile' },
  { re: /\bSamsungBrowser\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Samsung Internet' },
  { re: /\bFxiOS\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Firefox iOS' },
  { re: /\bCriOS\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Chrome Mobile iOS' },
  { re: /\bFirefox\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Firefox', mobile: 'Firefox Mobile' },
  { re: /; wv\).*\bChrome\/(\d+)\.(\d+)\.(\d+)/, name: 'Chrome Mobile WebView' },
  { re: /\bChrome\/(\d+)\.(\d+)(?:\.(\d+))?/, name: 'Chrome', mobile: 'Chrome Mobile' },
  { re: /\bVersion\/(\d+)\.(\d+)(?:\.(\d+))?.*\bSafari\//, name: 'Safari', mobile: 'Mobile Safari' },
  { re: /\bMSIE (\d+)\.(\d+)/, name: 'IE', mobile: 'IE Mobile' },
  { re: /\bTrident\/7\.0;.*rv:(\d+)\.(\d+)/, name: 'IE' },
];

const WINDOWS_NT: Record<string, string> = {
  '10.0': '10',
  '6.3': '8.1',
  '6.2': '8',
  '6.1': '7',
  '6.0': 'Vista',
  '5.1': 'XP',
};

export function parseUserAgent(ua: string): UserAgentContexts {
  if (ua.length > MAX_UA_CHARS) return {};
  const out: UserAgentContexts = {};
  const os = osOf(ua);
  if (os) out.os = os;
  const mobile = /\bMobile\b|\biPhone\b|\biPod\b/.test(ua) || os?.name === 'Android' || os?.name === 'iOS';
  for (const b of BROWSERS) {
    const m = b.re.exec(ua);
    if (!m) continue;
    const version = [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.');
    out.browser = { name: (mobile && b.mobile) || b.name, version };
    break;
  }
  const device = deviceOf(ua);
  if (device) out.device = device;
  return out;
}

function osOf(ua: string): UserAgentContexts['os'] {
  let m = /\bWindows NT (\d+\.\d+)/.exec(ua);
  if (m) return WINDOWS_NT[m[1]] ? { name: 'Windows', version: WINDOWS_NT[m[1]] } : { name: 'Windows' };
  m = /\b(?:iPhone|CPU) OS (\d+)_(\d+)(?:_(\d+))?/.exec(ua);
  if (m) return { name: 'iOS', version: [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.') };
  m = /\bMac OS X (\d+)[_.](\d+)(?:[_.](\d+))?/.exec(ua);
  if (m) return { name: 'Mac OS X', version: [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.') };
  m = /\bAndroid (\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(ua);
  if (m) return { name: 'Android', version: [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.') };
  if (/\bCrOS\b/.test(ua)) return { name: 'Chrome OS' };
  if (/\bUbuntu\b/.test(ua)) return { name: 'Ubuntu' };
  if (/\bLinux\b/.test(ua)) return { name: 'Linux' };
  return undefined;
}

function deviceOf(ua: string): UserAgentContexts['device'] {
  const apple = /\b(iPhone|iPad|iPod)\b/.exec(ua);
  if (apple) return { family: apple[1], model: apple[1], brand: 'Apple' };
  if (/\bMacintosh\b/.test(ua)) return { family: 'Mac', model: 'Mac', brand: 'Apple' };
  const android = /\bAndroid [\d.]+; (?:[a-z]{2}[-_][a-zA-Z]{2}; )?([^;)]+?)(?: Build\/[^;)]*)?[;)]/.exec(ua);
  if (!android) return undefined;
  const model = android[1].trim();
  // Chrome's reduced UA says "K", Firefox "Mobile"/"Tablet", instead of the model: nothing to tell
  if (model === 'K' || model === 'Mobile' || model === 'Tablet') return undefined;
  if (/^SM-/.test(model)) return { family: `Samsung ${model}`, model, brand: 'Samsung' };
  if (/^Pixel\b/.test(model)) return { family: model, model, brand: 'Google' };
  return { family: model, model };
}
