-- Who started each case, in its row (#12): a search's page read it from
-- fields, one look-up per row in the store's largest table, which on a
-- sealed store meant pages read back through the cipher for every search.
-- The projection keeps it from now on (refreshCase); this fills it for the
-- cases already here.
ALTER TABLE cases ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
UPDATE cases SET created_by = coalesce((SELECT f.value FROM fields f
    WHERE f.case_rid = cases.rid AND f.entity = 'case' AND f.key = '' AND f.field = 'created_by'), '');
