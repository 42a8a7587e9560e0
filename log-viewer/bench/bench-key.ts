/** API key the bench server is started with. */
export const BENCH_KEY = 'bench-key';
