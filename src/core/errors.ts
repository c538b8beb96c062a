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
