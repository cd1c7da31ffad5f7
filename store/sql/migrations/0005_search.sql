-- Search (#12). The grams of whole case numbers: the 4-grams of every case
-- number, marked with '#' (numberMark in search.go), so that a fragment of
-- a number across its parts (HC01-000123, 2026-HC01-0001) is found through
-- the index instead of a scan of every number. New and changed cases get
-- them from caseGrams; this adds those of the cases already here. The
-- number is cut as bytes, as caseGrams cuts it.
WITH RECURSIVE pos (i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM pos WHERE i < (SELECT max(length(CAST(number AS BLOB))) FROM cases)
)
INSERT OR IGNORE INTO grams (gram, case_rid)
SELECT '#' || CAST(substr(CAST(c.number AS BLOB), pos.i, 4) AS TEXT), c.rid
FROM cases c JOIN pos ON pos.i + 3 <= length(CAST(c.number AS BLOB))
WHERE c.number <> ''
ORDER BY 1, 2;

-- The states' index: a list of all the cases in a state (every accepted
-- case) counts its cases in it, not in the office-and-state index's every
-- entry. The search keeps it off where it would drive a page (search.go).
CREATE INDEX cases_state ON cases (state);
