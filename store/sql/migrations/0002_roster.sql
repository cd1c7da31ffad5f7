-- Rosters of veterans expected in the city, imported from spreadsheets.
-- Device-local reference data (not replicated): an accepted row pre-fills
-- intake when its ID number is typed. The content hash makes a re-import of
-- the same roster change nothing.
CREATE TABLE roster (
	id_number TEXT PRIMARY KEY,
	hash      TEXT NOT NULL,
	values_json TEXT NOT NULL,
	source    TEXT NOT NULL,
	row_no    INTEGER NOT NULL,
	imported  TEXT NOT NULL
) STRICT;
