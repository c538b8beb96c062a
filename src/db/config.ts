// Which database a process opens (and migrates): Postgres at a URL, or embedded PGlite in a folder.
export interface DatabaseConfig {
  /** postgresql:// URL of a server; unset ⇒ embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Folder of the embedded database (created if missing); unused with a URL. */
  dataDir: string;
}
