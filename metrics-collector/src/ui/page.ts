// The metrics collector's page frame: the shared layout plus this service's section navigation.
import { type HtmlValue, renderPage, type SafeHtml, type ServiceUrls } from '@flowrent/shared/ui';

export const SECTIONS = [
  { key: 'explore', href: '/', label: 'Explore' },
  { key: 'dashboards', href: '/dashboards', label: 'Dashboards' },
  { key: 'targets', href: '/targets', label: 'Targets' },
  { key: 'rules', href: '/rules', label: 'Rules' },
  { key: 'alerts', href: '/alerts', label: 'Alerts' },
] as const;

export type Section = (typeof SECTIONS)[number]['key'];

export interface MetricsPageOptions {
  section: Section;
  title: string;
  body: HtmlValue;
  urls: ServiceUrls;
  csrfToken: string;
  /** Pages with charts or the editor load the metrics bundle and its stylesheet. */
  bundle?: 'explorer' | 'dashboard';
}

export function metricsPage(options: MetricsPageOptions): SafeHtml {
  return renderPage({
    service: 'metrics',
    title: options.title,
    urls: options.urls,
    csrfToken: options.csrfToken,
    body: options.body,
    nav: SECTIONS.map((s) => ({ href: s.href, label: s.label, current: s.key === options.section })),
    scripts: options.bundle ? [`${options.bundle}.js`] : [],
    // explorer.css (uPlot + metrics styles, emitted by esbuild from the explorer bundle) serves every page.
    styles: ['explorer.css'],
  });
}
