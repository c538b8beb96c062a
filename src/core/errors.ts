// The core's one error type for bad specs: it names the path of the offending field, like zod does.

export type FieldPath = (string | number)[];

export class SpecError extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

/**
 * Runs `fn`, re-throwing the core's path-carrying errors (and plain messages, such as the
 * initializers') as SpecErrors under `prefix`, so a caller can name the spec field.
 */
export function withPath<T>(prefix: FieldPath, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && 'path' in e && Array.isArray(e.path))
      throw new SpecError([...prefix, ...e.path], e.message);
    if (e instanceof Error) throw new SpecError(prefix, e.message.replace(/^\w+: /, ''));
    throw e;
  }
}
