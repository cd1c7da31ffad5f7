-- Stamps the hub gave again to ops it had accepted stamped beyond its
-- clock's drift bound (vetdesk-hub repair-clock). Replicated: each row is
-- the effect of a restamp op of the log (entity 'restamp'); the op keeps
-- its own stamp in the log and the merge orders it by this one. by_wall and
-- by_logical are the restamp op's own stamp: the latest restamp holds.
CREATE TABLE restamps (
    op         BLOB PRIMARY KEY,
    wall       INTEGER NOT NULL,
    logical    INTEGER NOT NULL,
    by_wall    INTEGER NOT NULL,
    by_logical INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
