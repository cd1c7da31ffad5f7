-- 0001: the first schema of the vetdesk store. See store/doc.go for what
-- each table holds and which of them are replicated.

-- Device-local state: never replicated.
CREATE TABLE device (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id        TEXT NOT NULL,
    code      TEXT NOT NULL DEFAULT '',
    office    TEXT NOT NULL DEFAULT '',
    station   TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE clock (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    wall      INTEGER NOT NULL,
    logical   INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sequences (
    name TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (name, year)
) STRICT, WITHOUT ROWID;

-- The operation log: append-only, replicated.
CREATE TABLE peers (
    ref  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE ops (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         BLOB NOT NULL UNIQUE,
    device_ref INTEGER NOT NULL REFERENCES peers (ref),
    user_ref   INTEGER NOT NULL REFERENCES peers (ref),
    wall       INTEGER NOT NULL,
    logical    INTEGER NOT NULL,
    entity     TEXT NOT NULL,
    case_rid   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    fields     TEXT NOT NULL
) STRICT;

CREATE INDEX ops_case ON ops (case_rid);

CREATE TRIGGER ops_no_update BEFORE UPDATE ON ops
BEGIN
    SELECT RAISE(ABORT, 'ops are append-only');
END;

CREATE TRIGGER ops_no_delete BEFORE DELETE ON ops
BEGIN
    SELECT RAISE(ABORT, 'ops are append-only');
END;

-- Local operations the hub has not acknowledged yet (device-local).
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY REFERENCES ops (seq),
    set_aside TEXT
) STRICT;

-- Conflicts found when a remote value beat a local unsynced one (device-local).
CREATE TABLE conflicts (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    field        TEXT NOT NULL,
    local_value  TEXT NOT NULL,
    remote_value TEXT NOT NULL,
    local_op     TEXT NOT NULL,
    remote_op    TEXT NOT NULL,
    at           TEXT NOT NULL,
    resolved_at  TEXT NOT NULL DEFAULT '',
    kept_local   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Projections of the log. fields is the per-field last-writer-wins register
-- and the field-value table at once: op is the seq of the winning op.
CREATE TABLE cases (
    rid               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    number            TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT '',
    office            TEXT NOT NULL DEFAULT '',
    station           TEXT NOT NULL DEFAULT '',
    name              TEXT NOT NULL DEFAULT '',
    id_number         TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    items             TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL DEFAULT '',
    accepted_at       TEXT NOT NULL DEFAULT '',
    updated_at        TEXT NOT NULL DEFAULT '',
    closed_at         TEXT NOT NULL DEFAULT '',
    missing_materials INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX cases_updated ON cases (updated_at);
CREATE INDEX cases_number ON cases (number) WHERE number <> '';
CREATE INDEX cases_id_number ON cases (id_number, office);
CREATE INDEX cases_office_state ON cases (office, state);
CREATE INDEX cases_accepted ON cases (accepted_at) WHERE accepted_at <> '';

CREATE TABLE fields (
    case_rid INTEGER NOT NULL,
    entity   TEXT NOT NULL,
    key      TEXT NOT NULL,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL,
    op       INTEGER NOT NULL,
    PRIMARY KEY (case_rid, entity, key, field)
) STRICT, WITHOUT ROWID;

CREATE VIEW materials AS
SELECT case_rid, key AS code,
       max(CASE field WHEN 'status' THEN value END)      AS status,
       max(CASE field WHEN 'attachments' THEN value END) AS attachments,
       max(CASE field WHEN 'note' THEN value END)        AS note
FROM fields WHERE entity = 'material' GROUP BY case_rid, key;

CREATE TABLE case_items (
    item     TEXT NOT NULL,
    case_rid INTEGER NOT NULL REFERENCES cases (rid),
    PRIMARY KEY (item, case_rid)
) STRICT, WITHOUT ROWID;

CREATE TABLE tasks (
    case_rid   INTEGER NOT NULL REFERENCES cases (rid),
    item       TEXT NOT NULL,
    department TEXT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    started    TEXT NOT NULL,
    due        TEXT NOT NULL,
    finished   TEXT NOT NULL,
    result     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (case_rid, item)
) STRICT, WITHOUT ROWID;

CREATE INDEX tasks_department ON tasks (department, state, due);
CREATE INDEX tasks_due ON tasks (state, due);

-- Search n-grams: unigrams and bigrams of names, trigrams of ID numbers,
-- phones and case-number sequences.
CREATE TABLE grams (
    gram     TEXT NOT NULL,
    case_rid INTEGER NOT NULL,
    PRIMARY KEY (gram, case_rid)
) STRICT, WITHOUT ROWID;

CREATE TABLE attachments (
    hash     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    added_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    login      TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    office     TEXT NOT NULL DEFAULT '',
    disabled   INTEGER NOT NULL DEFAULT 0,
    password   TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE INDEX users_login ON users (login);

-- Lock-out bookkeeping (device-local).
CREATE TABLE login_failures (
    user_id      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

-- The audit log: append-only, each entry chained to the previous by SHA-256.
CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    user_id TEXT NOT NULL,
    login   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    success INTEGER NOT NULL,
    detail  TEXT NOT NULL,
    hash    TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
