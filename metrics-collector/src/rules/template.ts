// The subset of Prometheus' alert templating (Go text/template) that rule files use in practice:
// {{ $labels.name }}, {{ $value }}, {{ .Labels.name }}, {{ .Value }}, {{ $externalLabels.x }},
// with the pipes `humanize`, `humanizePercentage`, `humanizeDuration` and `printf "%.Nf"`.
// Anything else is left verbatim rather than failing the alert.

export interface TemplateData {
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
}

const PREFIXES = ['K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

function trimFloat(v: number, digits = 4): string {
  return String(Number(v.toPrecision(digits)));
}

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v).replace('Infinity', 'Inf');
  const abs = Math.abs(v);
  if (abs >= 1) {
    let i = -1;
    let x = v;
    while (Math.abs(x) >= 1000 && i < PREFIXES.length - 1) {
      x /= 1000;
      i++;
    }
    return trimFloat(x) + (i >= 0 ? PREFIXES[i] : '');
  }
  const small = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = -1;
  let x = v;
  while (Math.abs(x) < 1 && i < small.length - 1) {
    x *= 1000;
    i++;
  }
  return trimFloat(x) + small[i];
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return trimFloat(v);
  const units = ['', 'ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return trimFloat(x) + units[i];
}

function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (Math.abs(seconds) < 1) return `${trimFloat(seconds * 1000)}ms`;
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [d ? `${d}d ` : '', h ? `${h}h ` : '', m ? `${m}m ` : '', `${trimFloat(s)}s`];
  return parts.join('');
}

function resolve(term: string, data: TemplateData): string | number | undefined {
  const t = term.trim();
  const label = /^(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(t);
  if (label) return data.labels[label[1]] ?? '';
  const ext = /^\$externalLabels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(t);
  if (ext) return data.externalLabels?.[ext[1]] ?? '';
  if (t === '$value' || t === '.Value') return data.value;
  if (t === '$externalURL' || t === '.ExternalURL') return data.externalURL ?? '';
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(t);
  if (quoted) return quoted[1];
  return undefined;
}

function applyPipe(value: string | number, fn: string): string | number | undefined {
  const f = fn.trim();
  const n = typeof value === 'number' ? value : Number(value);
  if (f === 'humanize') return humanize(n);
  if (f === 'humanizePercentage') return `${trimFloat(n * 100)}%`;
  if (f === 'humanize1024') return humanize1024(n);
  if (f === 'toUpper') return String(value).toUpperCase();
  if (f === 'toLower') return String(value).toLowerCase();
  if (f === 'title') return String(value).replace(/\b\w/g, (c) => c.toUpperCase());
  if (f === 'humanizeDuration') return humanizeDuration(n);
  const printf = /^printf\s+"%\.(\d+)f"$/.exec(f);
  if (printf) return n.toFixed(Number(printf[1]));
  return undefined;
}

export function expandTemplate(text: string, data: TemplateData): string {
  if (!text.includes('{{')) return text;
  return text.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (all, body: string) => {
    const printfFirst = /^printf\s+"%\.(\d+)f"\s+(\S+)$/.exec(body);
    if (printfFirst) {
      const v = resolve(printfFirst[2], data);
      return v === undefined ? all : Number(v).toFixed(Number(printfFirst[1]));
    }
    const [head, ...pipes] = body.split('|');
    let v = resolve(head, data);
    for (const p of pipes) {
      if (v === undefined) break;
      v = applyPipe(v, p);
    }
    return v === undefined ? all : String(v);
  });
}
