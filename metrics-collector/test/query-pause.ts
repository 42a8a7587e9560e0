// Holds a sliced evaluation (a query or a rule) at its next pause, so a test can show what the
// server answers meanwhile without timing anything.
import type { QuerySlicing } from '../src/promql/query.js';

/** The next pause of an evaluation on `slicing`: resolves when it is reached; `release` lets the
 * evaluation go on. */
export function holdNextPause(slicing: QuerySlicing): { reached: Promise<void>; release: () => void } {
  const nextTurn = slicing.nextTurn;
  let release = () => {};
  const reached = new Promise<void>((resolveReached) => {
    slicing.nextTurn = () => {
      slicing.nextTurn = nextTurn;
      resolveReached();
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
  });
  return { reached, release: () => release() };
}
