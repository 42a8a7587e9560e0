// Grouping of events into issues, version 3. Pure and versioned: the key is persisted per issue,
// so any change to the components below must bump GROUPING_VERSION.
// Key components, first that applies:
//   1. the event's `fingerprint`, each "{{ default }}" part replaced by the default components;
//   2. default: per exception in the chain, its type (unless mechanism.synthetic) plus what its
//      in-app frames contribute (frame.ts: Sentry's frame strategy: module or file basename,
//      function, context line; line numbers ignored); all frames when no frame is in-app or no
//      in-app frame contributes; an exception without contributing frames contributes type +
//      parameterized value;
//   3. synthetic exceptions (captureMessage stacks) group by the parameterized message;
//   4. events without exceptions group by the parameterized message.
// "Message" is the logging template (`logentry.message`) when there is one, else the formatted text.
// Versions: 1 grouped messages by the formatted text; 2 by the template; 3 takes frames as Sentry
// does (2 took every frame's module and function as sent, so anonymous JavaScript callbacks and
// Python module-level code of one file were one issue whatever their code).
// An event also carries the keys versions 2 and 1 give it where they differ (`legacyHashes`,
// newest first): the digest looks them up when the version 3 key is not known yet (see
// store/digest.ts), so an issue made before the upgrade keeps its events.
import { createHash } from 'node:crypto';
import {
  type ExceptionValue,
  exceptionsOf,
  type Frame,
  fingerprintOf,
  frameLocation,
  type JsonObject,
  messageOf,
  messageTemplateOf,
} from './event-shape.js';
import { resolveFingerprintPart } from './fingerprint-variables.js';
import { frameComponent, isLoneUrlFrame } from './frame.js';
import { parameterize } from './parameterize.js';

export const GROUPING_VERSION = 3;
/** The hash input's prefix: the key's format, kept from version 1 so that every event whose
 * components did not change keeps its key (a new prefix would have split every issue). */
const KEY_PREFIX = 'v1\n';

export interface Grouping {
  version: number;
  /** sha256 hex of the components, the persisted grouping key. */
  hash: string;
  /** The human-readable components the hash was computed from (for debugging). */
  components: string[];
  /** The keys of versions 2 and 1, newest first, each only when it differs from the newer ones. */
  legacyHashes: string[];
}

/** What the frames of one exception contribute, in a version's way. */
type StackComponents = (frames: Frame[], inAppOnly: boolean, platform: string) => string[];

interface Strategy {
  /** The grouping version, also the parameterization's. */
  version: number;
  stack: StackComponents;
  /** Whether all frames count when no in-app frame contributes (version 3, as Sentry's system
   * variant); version 2 kept only the in-app frames, which always contributed. */
  fallBackToAllFrames: boolean;
  /** Whether `["{{ default }}"]` alone is no fingerprint (version 3, as Sentry: Relay writes it into
   * every event without one, and SDKs reset a scope's fingerprint to it); version 2 hashed it as a
   * fingerprint, so it made another issue than the same event without one (black-box 10 #2). */
  defaultFingerprintIsNone: boolean;
  /** Whether fingerprint parts such as `{{ transaction }}` are the event's values (version 3, as
   * Sentry; fingerprint-variables.ts); version 2 hashed them as written (black-box 10 #3). */
  resolveVariables: boolean;
}

const V3: Strategy = {
  version: 3,
  stack: stackComponentsV3,
  fallBackToAllFrames: true,
  defaultFingerprintIsNone: true,
  resolveVariables: true,
};
const V2: Strategy = {
  version: 2,
  stack: stackComponentsV2,
  fallBackToAllFrames: false,
  defaultFingerprintIsNone: false,
  resolveVariables: false,
};

const DEFAULT_PART = /^\{\{\s*default\s*\}\}$/;
const VARIABLE_PART = /^\{\{\s*\S+\s*\}\}$/;

/** `exceptions`: exceptionsOf(event), when the caller has it already (prepare.ts reads them once
 * for grouping and the description: each call maps every frame). */
export function groupEvent(event: JsonObject, exceptions = exceptionsOf(event)): Grouping {
  const message = messageOf(event);
  const template = messageTemplateOf(event, message);
  const platform = typeof event.platform === 'string' ? event.platform : '';
  // a version's builds parameterize the same message and values: once per version and text
  const memos = new Map<number, (text: string) => string>();
  const paramFor = (version: number) => {
    let param = memos.get(version);
    if (param === undefined) {
      const seen = new Map<string, string>();
      param = (text: string) => {
        let p = seen.get(text);
        if (p === undefined) {
          p = parameterize(text, version);
          seen.set(text, p);
        }
        return p;
      };
      memos.set(version, param);
    }
    return param;
  };
  const build = (strategy: Strategy, text: string) =>
    componentsOf(event, exceptions, {
      strategy,
      message: text,
      formatted: message,
      platform,
      param: paramFor(strategy.version),
    });
  const components = build(V3, template ?? message);
  const hash = keyOf(components);
  const legacyHashes: string[] = [];
  const addOlder = (older: string[]) => {
    const key = keyOf(older);
    if (key !== hash && !legacyHashes.includes(key)) legacyHashes.push(key);
  };
  // versions 3 and 2 differ in what the default components are made of (frames, a lone default
  // fingerprint) and in fingerprint variables; 2 and 1 in the message only. A fingerprint of
  // literal parts only is the same in all.
  if (olderVersionsMayDiffer(event)) addOlder(build(V2, template ?? message));
  if (template !== undefined) addOlder(build(V2, message));
  return { version: GROUPING_VERSION, hash, components, legacyHashes };
}

function keyOf(components: string[]): string {
  return createHash('sha256')
    .update(`${KEY_PREFIX}${components.join('\n')}`)
    .digest('hex');
}

interface Inputs {
  strategy: Strategy;
  /** The message text the version groups by. */
  message: string;
  /** The formatted message, for the `{{ message }}` fingerprint variable. */
  formatted: string;
  platform: string;
  param: (text: string) => string;
}

function olderVersionsMayDiffer(event: JsonObject): boolean {
  const fingerprint = fingerprintOf(event);
  return fingerprint === null || fingerprint.some((part) => VARIABLE_PART.test(part));
}

function componentsOf(event: JsonObject, exceptions: ExceptionValue[], inputs: Inputs): string[] {
  const fingerprint = fingerprintOf(event);
  if (
    !fingerprint ||
    (inputs.strategy.defaultFingerprintIsNone &&
      fingerprint.length === 1 &&
      DEFAULT_PART.test(fingerprint[0]))
  )
    return defaultComponents(exceptions, inputs);
  const components = ['fingerprint'];
  for (const part of fingerprint) {
    if (DEFAULT_PART.test(part)) components.push(...defaultComponents(exceptions, inputs));
    else if (!inputs.strategy.resolveVariables) components.push(`fp:${part}`);
    else {
      const { formatted: message, param } = inputs;
      components.push(`fp:${resolveFingerprintPart(part, { event, exceptions, message, param })}`);
    }
  }
  return components;
}

function defaultComponents(exceptions: ExceptionValue[], inputs: Inputs): string[] {
  const { strategy, message, platform, param } = inputs;
  const main = exceptions[exceptions.length - 1];
  if (main?.synthetic) return [`message:${param(message || main.value)}`];
  if (exceptions.length === 0) return [`message:${param(message)}`];
  let stacks: string[][] | undefined;
  if (exceptions.some((e) => e.frames.some((f) => f.inApp === true))) {
    stacks = exceptions.map((e) => strategy.stack(e.frames, true, platform));
    if (strategy.fallBackToAllFrames && stacks.every((s) => s.length === 0)) stacks = undefined;
  }
  stacks ??= exceptions.map((e) => strategy.stack(e.frames, false, platform));
  return exceptions.flatMap((e, i) => {
    const type = `type:${e.synthetic ? '' : e.type}`;
    const stack = stacks[i];
    return stack.length === 0 ? [type, `value:${param(e.value)}`] : [type, ...stack];
  });
}

function stackComponentsV3(frames: Frame[], inAppOnly: boolean, platform: string): string[] {
  if (frames.length === 1 && isLoneUrlFrame(frames[0], platform)) return [];
  const out: string[] = [];
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (inAppOnly && frame.inApp !== true) continue;
    const c = frameComponent(frame, platform, i > 0 ? frames[i - 1] : undefined);
    if (c !== null) out.push(c);
  }
  return out;
}

function stackComponentsV2(frames: Frame[], inAppOnly: boolean): string[] {
  const out: string[] = [];
  for (const f of frames) {
    if (!inAppOnly || f.inApp === true) out.push(`frame:${frameLocation(f)}:${f.function ?? '?'}`);
  }
  return out;
}
