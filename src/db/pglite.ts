// Opens the embedded PGlite database in a folder, creating the folder (and its parents) if missing.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

/**
 * A fresh folder costs an initdb (about 2 s here); an existing one opens in about 0.2 s.
 * PGlite is one in-process connection: queries are serialized, and an interactive transaction
 * holds it exclusively. The caller must `close()` it, or the process does not exit.
 */
export async function openPglite(dataDir: string): Promise<PGlite> {
  // PGlite itself creates only the last path segment.
  mkdirSync(dataDir, { recursive: true });
  return PGlite.create(dataDir);
}
