/**
 * The schema as the receiver made it up to version 5, before one definition
 * served both dialects: the migration SQL of sqlite-store.ts, sqlite-jobs.ts,
 * pg-store.ts and pg-jobs.ts as they were, copied unchanged. A fixture: never
 * edit it to follow the store.
 */

/** SQLite, versions 1 to 5; the old runner set `user_version` after each and made these triggers on every open. */
export const SQLITE_V5: readonly string[] = [
  `
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  email TEXT NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  record TEXT NOT NULL,
  receipt TEXT NOT NULL,
  received_at TEXT NOT NULL,
  due_by TEXT
);
CREATE INDEX IF NOT EXISTS records_email ON records (email);
CREATE TABLE IF NOT EXISTS request_closures (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  closed_at TEXT NOT NULL,
  note TEXT NOT NULL
);
-- Append-only: the receiver never changes or removes what it accepted.

CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;


CREATE TRIGGER IF NOT EXISTS closures_no_update BEFORE UPDATE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS closures_no_delete BEFORE DELETE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;

`,
  `
DROP TRIGGER IF EXISTS records_no_update;
DROP TRIGGER IF EXISTS records_no_delete;
CREATE TABLE records_v2 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  email TEXT NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  record TEXT NOT NULL,
  receipt TEXT NOT NULL,
  received_at TEXT NOT NULL,
  due_by TEXT,
  UNIQUE (kid, id)
);
INSERT INTO records_v2 (seq, id, type, email, kid, jws, record, receipt, received_at, due_by)
  SELECT seq, id, type, email, kid, jws, record, receipt, received_at, due_by FROM records ORDER BY seq;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE INDEX records_email ON records (email);
CREATE INDEX records_id ON records (id);

CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;

`,
  `CREATE TABLE privacy_health (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL);`,
  `
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  email TEXT,
  record_id TEXT,
  cap_key TEXT,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  leased_until TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  done_at TEXT,
  result TEXT,
  last_error TEXT,
  gave_up_at TEXT
);
CREATE INDEX jobs_due ON jobs (kind, next_attempt_at) WHERE done_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX jobs_cap ON jobs (cap_key, created_at) WHERE cap_key IS NOT NULL;
CREATE INDEX jobs_email ON jobs (email);
CREATE INDEX jobs_record ON jobs (record_id);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  record_id TEXT,
  record_kid TEXT,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  jws TEXT NOT NULL
);
CREATE INDEX events_email ON events (email);

CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`,
  `
CREATE TABLE mail_caps (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  cap_key TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX mail_caps_key ON mail_caps (cap_key, at);
CREATE TABLE receiver_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  set_at TEXT NOT NULL
);
`,
];
export const SQLITE_V5_TRIGGERS = `
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;

CREATE TRIGGER IF NOT EXISTS closures_no_update BEFORE UPDATE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS closures_no_delete BEFORE DELETE ON request_closures BEGIN SELECT RAISE(ABORT, 'closures are append-only'); END;

CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`;

/** PostgreSQL, versions 1 to 5, each recorded in `privacy_schema_migrations`. */
export const POSTGRES_V5: readonly string[] = [
  `
CREATE TABLE IF NOT EXISTS privacy_records (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  type TEXT NOT NULL,
  email TEXT NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  record JSONB NOT NULL,
  receipt JSONB NOT NULL,
  received_at TEXT NOT NULL,
  due_by TEXT
);
CREATE INDEX IF NOT EXISTS privacy_records_email ON privacy_records (email);
CREATE TABLE IF NOT EXISTS privacy_request_closures (
  seq BIGSERIAL PRIMARY KEY,
  request_id UUID NOT NULL,
  closed_at TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION privacy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
DO $$ BEGIN
  CREATE TRIGGER privacy_records_append_only BEFORE UPDATE OR DELETE ON privacy_records
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
  CREATE TRIGGER privacy_request_closures_append_only BEFORE UPDATE OR DELETE ON privacy_request_closures
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
`,
  `
ALTER TABLE privacy_records DROP CONSTRAINT IF EXISTS privacy_records_id_key;
ALTER TABLE privacy_records ADD CONSTRAINT privacy_records_kid_id_key UNIQUE (kid, id);
CREATE INDEX privacy_records_id ON privacy_records (id);
`,
  `CREATE TABLE privacy_health (id INTEGER PRIMARY KEY, checked_at TIMESTAMPTZ NOT NULL);`,
  `
CREATE TABLE privacy_jobs (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  email TEXT,
  record_id TEXT,
  cap_key TEXT,
  payload JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  next_attempt_at TIMESTAMPTZ NOT NULL,
  leased_until TIMESTAMPTZ,
  attempts INTEGER NOT NULL DEFAULT 0,
  done_at TIMESTAMPTZ,
  result TEXT,
  last_error TEXT,
  gave_up_at TIMESTAMPTZ
);
CREATE INDEX privacy_jobs_due ON privacy_jobs (kind, next_attempt_at) WHERE done_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX privacy_jobs_cap ON privacy_jobs (cap_key, created_at) WHERE cap_key IS NOT NULL;
CREATE INDEX privacy_jobs_email ON privacy_jobs (email);
CREATE INDEX privacy_jobs_record ON privacy_jobs (record_id);
CREATE TABLE privacy_events (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  record_id TEXT,
  record_kid TEXT,
  at TEXT NOT NULL,
  data JSONB NOT NULL,
  jws TEXT NOT NULL
);
CREATE INDEX privacy_events_email ON privacy_events (email);
CREATE TRIGGER privacy_events_append_only BEFORE UPDATE OR DELETE ON privacy_events
  FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
`,
  `
CREATE TABLE privacy_mail_caps (
  seq BIGSERIAL PRIMARY KEY,
  cap_key TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX privacy_mail_caps_key ON privacy_mail_caps (cap_key, at);
CREATE TABLE privacy_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  set_at TIMESTAMPTZ NOT NULL
);
`,
];
export const POSTGRES_MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS privacy_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())';
