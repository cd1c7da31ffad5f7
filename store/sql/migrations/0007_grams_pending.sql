-- Search (#12): the cases whose postings are not yet in grams. A save
-- writing a case's 30-odd postings touched as many pages spread over the
-- whole index, more than half of what a save wrote; on a sealed store each
-- was enciphered into the WAL and again at the checkpoint. A save now
-- deletes the postings a change removes at once, and notes here that the
-- case's new ones are to be added: one row at the table's end. The store
-- merges them into grams when the desk is idle (grams.go), many cases in
-- one transaction, and until then the search takes every case noted here
-- as a candidate and checks it by its row.
CREATE TABLE grams_pending (
    case_rid INTEGER PRIMARY KEY
) STRICT;
