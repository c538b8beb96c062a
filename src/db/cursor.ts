// The opaque list cursor: the (created_at, id) of the last run on a page, base64url-encoded.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/** A cursor that is not one of ours (or was mangled): the caller answers 400. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  readonly code = 'invalid_cursor';
  constructor() {
    super('cursor is not a value returned as nextCursor');
  }
}

export function encodeCursor(p: CursorPosition): string {
  return Buffer.from(`${p.createdAt.toISOString()}|${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const [iso, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (extra !== undefined || !id || !UUID.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new InvalidCursorError();
  }
  return { createdAt, id };
}
