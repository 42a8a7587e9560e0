// Settings of the error tracker: the shared ones plus its own. Read once in main.ts.
import { baseConfig, type ConfigOf, defineConfig, parsers, setting } from '@flowrent/shared/config';

export const configTable = defineConfig({
  ...baseConfig,
});

export type Config = ConfigOf<typeof configTable>;
