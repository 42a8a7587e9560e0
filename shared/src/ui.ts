// `import { html, renderPage, registerUi } from '@flowrent/shared/ui'`
export * from './ui/index.js';
