// Typed failures of the pure ingest modules. The HTTP layer maps them to 400 / 413 / 415 with an
// X-Sentry-Error header; ingest/ itself stays free of HTTP and of the shared runtime.

export class IngestParseError extends Error {
  readonly position: number;
  constructor(message: string, position = 0) {
    super(position > 0 ? `${message} (at byte ${position})` : message);
    this.name = 'IngestParseError';
    this.position = position;
  }
}

export class IngestTooLarge extends Error {
  readonly limitBytes: number;
  constructor(message: string, limitBytes: number) {
    super(message);
    this.name = 'IngestTooLarge';
    this.limitBytes = limitBytes;
  }
}

export class IngestUnsupportedEncoding extends Error {
  constructor(encoding: string) {
    super(`unsupported Content-Encoding: ${encoding}`);
    this.name = 'IngestUnsupportedEncoding';
  }
}
