package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"vetdesk/casework"
)

// Query selects cases. Text is split on spaces; every term must match the
// name, the ID number, the phone or the case number of a case.
type Query struct {
	Text     string
	States   []casework.CaseState
	Office   string
	Item     string
	From, To time.Time // accepted-date range [From, To); zero = open
	IDNumber string    // exact ID number; "" = any
	// MissingMaterials keeps only cases with a material still required.
	MissingMaterials bool
	// OldestFirst orders by creation, oldest first (the drafts list);
	// otherwise the most recently updated come first.
	OldestFirst bool
	Limit       int // 0 = 50
	Offset      int
}

// CaseSummary is one row of a case list. ID number and phone are masked:
// the full values never leave the store through a list.
type CaseSummary struct {
	ID, Number, Name, MaskedID, MaskedPhone, Office string
	CreatedBy                                       string // login or user ID of who started the case
	State                                           casework.CaseState
	Items                                           []string
	CreatedAt, AcceptedAt, UpdatedAt                time.Time
}

// caseGrams returns the search n-grams of a case: unigrams and bigrams of
// the name (Chinese names are mostly two or three characters, which
// trigram indexes cannot find), 4-grams of the ID number, the phone and
// the case number's sequence (so a phone's last four digits are one exact
// posting), and the 4-grams of the whole case number marked with
// numberMark (so a fragment across its parts, HC01-000123, has postings
// too).
func caseGrams(name, idNumber, phone, number string) map[string]bool {
	g := map[string]bool{}
	r := []rune(strings.TrimSpace(name))
	for i := range r {
		g[string(r[i])] = true
		if i+1 < len(r) {
			g[string(r[i:i+2])] = true
		}
	}
	for _, s := range []string{idNumber, phone, numberTail(number)} {
		for i := 0; i+digitGram <= len(s); i++ {
			g[s[i:i+digitGram]] = true
		}
	}
	for i := 0; i+digitGram <= len(number); i++ {
		g[numberMark+number[i:i+digitGram]] = true
	}
	return g
}

// digitGram is the n-gram length of digit strings.
const digitGram = 4

// numberMark starts the grams of whole case numbers. "#" and four ASCII
// bytes is no other gram: name grams are one or two characters, the other
// digit grams four bytes. Migration 0005 added them to existing stores.
const numberMark = "#"

func numberTail(number string) string {
	if i := strings.LastIndexByte(number, '-'); i >= 0 {
		return number[i+1:]
	}
	return ""
}

func isDigitTerm(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// termGrams picks the n-grams whose postings must all hold a case that
// matches term; nil means the term is too short for the index.
func termGrams(term string) []string {
	if isDigitTerm(term) {
		if len(term) < digitGram {
			return nil // scanned: too short to say much anyway
		}
		var all []string
		for i := 0; i+digitGram <= len(term); i++ {
			all = append(all, term[i:i+digitGram])
		}
		return spread(all, 4)
	}
	r := []rune(term)
	if len(r) == 1 {
		return []string{term}
	}
	var all []string
	for i := 0; i+2 <= len(r); i++ {
		all = append(all, string(r[i:i+2]))
	}
	return spread(all, 4)
}

// spread keeps at most n grams, first and last included.
func spread(all []string, n int) []string {
	if len(all) <= n {
		return all
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, all[i*(len(all)-1)/(n-1)])
	}
	return out
}

// searchTerm is one word of a query's text.
type searchTerm struct {
	text   string
	number bool     // a whole case number: matched exactly
	grams  []string // postings every match is in (termGrams); nil: scanned
	// across is set for a term with a hyphen: it may be a fragment of a
	// case number across its parts (2026-HC01-0001), found through the
	// number grams (numberMark) as well
	across bool
}

func (q Query) terms() []searchTerm {
	var out []searchTerm
	for _, text := range strings.Fields(strings.ToUpper(q.Text)) {
		if _, err := casework.ParseCaseNumber(text); err == nil {
			out = append(out, searchTerm{text: text, number: true})
			continue
		}
		out = append(out, searchTerm{text: text, grams: termGrams(text), across: strings.Contains(text, "-")})
	}
	return out
}

func marked(grams []string) []string {
	out := make([]string, len(grams))
	for i, g := range grams {
		out[i] = numberMark + g
	}
	return out
}

// postingCap is how far a posting list is counted to find a term's rarest
// gram: beyond it a list is "large", and a case-number fragment whose
// number grams are all large is scanned in the numbers' index instead (a
// variable for the tests).
var postingCap = 2048

// probeGrams are the grams whose posting sizes where needs: those of terms
// with more than one gram (to drive from the rarest) and the number grams
// of fragments with a hyphen.
func probeGrams(terms []searchTerm) []string {
	var out []string
	for _, t := range terms {
		if len(t.grams) > 1 {
			out = append(out, t.grams...)
		}
		if t.across && len(t.grams) > 0 {
			out = append(out, marked(t.grams)...)
		}
	}
	return out
}

// postingSizes counts the posting list of each of terms' probeGrams, up
// to postingCap, and tells whether some case's postings are pending (not
// yet merged into grams, grams.go), when a term has grams at all.
func (db *DB) postingSizes(ctx context.Context, terms []searchTerm) (sizes map[string]int, pending bool, err error) {
	sizes = map[string]int{}
	if !slices.ContainsFunc(terms, func(t searchTerm) bool { return len(t.grams) > 0 }) {
		return sizes, false, nil
	}
	grams := probeGrams(terms)
	cols := make([]string, len(grams), len(grams)+1)
	args := make([]any, len(grams))
	dest := make([]any, len(grams), len(grams)+1)
	counts := make([]int, len(grams))
	for i, g := range grams {
		cols[i] = fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM grams WHERE gram = ? LIMIT %d))", postingCap)
		args[i], dest[i] = g, &counts[i]
	}
	cols, dest = append(cols, "EXISTS (SELECT 1 FROM grams_pending)"), append(dest, &pending)
	if err := db.searchRow(ctx, `SELECT `+strings.Join(cols, ", "), args, dest...); err != nil {
		return nil, false, err
	}
	for i, g := range grams {
		sizes[g] = counts[i]
	}
	return sizes, pending, nil
}

// byRarity orders grams by their posting size, smallest first (grams
// missing from sizes keep their place after the known ones).
func byRarity(grams []string, sizes map[string]int) []string {
	out := slices.Clone(grams)
	slices.SortStableFunc(out, func(a, b string) int {
		sa, oka := sizes[a]
		sb, okb := sizes[b]
		switch {
		case oka && okb:
			return sa - sb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return out
}

// postings returns a query of the cases in the posting lists of all grams:
// driven by the rarest (the first of byRarity), each of the others one
// look-up in the grams' primary key, in the order CROSS JOIN fixes (SQLite
// has no statistics of the grams to choose it).
func postings(grams []string, args *[]any) string {
	var from, conds []string
	for i, g := range grams {
		t := fmt.Sprintf("g%d", i)
		from = append(from, "grams "+t)
		conds = append(conds, t+".gram = ?")
		if i > 0 {
			conds = append(conds, t+".case_rid = g0.case_rid")
		}
		*args = append(*args, g)
	}
	return "SELECT g0.case_rid FROM " + strings.Join(from, " CROSS JOIN ") + " WHERE " + strings.Join(conds, " AND ")
}

// where builds the WHERE clause of a case query over cases c, with the
// posting sizes of probeGrams and whether some case's postings are pending
// (not yet in grams); indexed reports that a term narrows the cases
// through the grams, none that no case can match. count is set for the
// clause of a bare count: only there may the states' index drive.
func (q Query) where(terms []searchTerm, sizes map[string]int, pending, count bool) (clause string, args []any, indexed, none bool) {
	conds := []string{"c.state <> ''"}
	for _, t := range terms {
		term := t.text
		if t.number {
			conds = append(conds, "c.number = ?")
			args = append(args, term)
			continue
		}
		if len(t.grams) > 0 {
			// A case matching the term in its name, ID number, phone or
			// case number's sequence is in the postings of all the term's
			// grams; one matching it elsewhere in its case number is in
			// those of the number grams, or found by the numbers' scan.
			grams := byRarity(t.grams, sizes)
			empty := sizes != nil && len(grams) > 1 && sizes[grams[0]] == 0
			var cand []string
			if !empty {
				cand = append(cand, postings(grams, &args))
			}
			if t.across {
				num := byRarity(marked(t.grams), sizes)
				switch n := sizes[num[0]]; {
				case n == 0:
				case n < postingCap:
					cand = append(cand, "SELECT n.rid FROM ("+postings(num, &args)+") p CROSS JOIN cases n ON n.rid = p.case_rid WHERE instr(n.number, ?) > 0")
					args = append(args, term)
				default: // every number gram is common (2026-HC01): scan
					cand = append(cand, "SELECT rid FROM cases INDEXED BY cases_number WHERE number <> '' AND instr(number, ?) > 0")
					args = append(args, term)
				}
			}
			if len(cand) == 0 && !pending {
				return "", nil, false, true
			}
			// the cases whose postings are not merged yet (grams.go): a
			// few hundred at most, checked by their rows below
			if pending {
				cand = append(cand, "SELECT case_rid FROM grams_pending")
			}
			conds = append(conds, "c.rid IN ("+strings.Join(cand, " UNION ")+")")
			indexed = true
		}
		conds = append(conds, "(instr(c.name, ?) > 0 OR instr(c.id_number, ?) > 0 OR instr(c.phone, ?) > 0 OR instr(c.number, ?) > 0)")
		args = append(args, term, term, term, term)
	}
	if len(q.States) > 0 {
		ph := make([]string, len(q.States))
		for i, s := range q.States {
			ph[i] = "?"
			args = append(args, string(s))
		}
		// The states' index (cases_state) counts a list of every case in
		// a state three times faster than a scan, but SQLite, which has no
		// statistics here, would also choose it to read a page, sorting
		// tens of thousands of cases where the updated_at index stops at
		// the page's end, or over a term's postings: the unary + keeps it
		// off there.
		op := "+c.state"
		if count && !indexed {
			op = "c.state"
		}
		conds = append(conds, op+" IN ("+strings.Join(ph, ",")+")")
	}
	if q.Office != "" {
		// With a gram term, the postings (hundreds of cases) must drive the
		// query, not the office's index (tens of thousands): the unary +
		// keeps SQLite, which has no statistics here, from choosing the
		// index (a single surname in an office took 22.7 ms).
		if indexed {
			conds = append(conds, "+c.office = ?")
		} else {
			conds = append(conds, "c.office = ?")
		}
		args = append(args, q.Office)
	}
	if q.Item != "" {
		conds = append(conds, "c.rid IN (SELECT case_rid FROM case_items WHERE item = ?)")
		args = append(args, q.Item)
	}
	if q.IDNumber != "" {
		conds = append(conds, "c.id_number = ?")
		args = append(args, strings.ToUpper(strings.TrimSpace(q.IDNumber)))
	}
	if q.MissingMaterials {
		conds = append(conds, "c.missing_materials > 0")
	}
	if !q.From.IsZero() {
		conds = append(conds, "c.accepted_at >= ?")
		args = append(args, formatTime(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "c.accepted_at <> '' AND c.accepted_at < ?")
		args = append(args, formatTime(q.To))
	}
	return strings.Join(conds, " AND "), args, indexed, false
}

const summaryColumns = `c.id, c.number, c.name, c.id_number, c.phone, c.office, c.state, c.items, c.created_at, c.accepted_at, c.updated_at,
	c.created_by`

// scanSummary scans a row of summaryColumns, and the columns of more after
// them.
func scanSummary(rows interface{ Scan(...any) error }, more ...any) (CaseSummary, error) {
	var s CaseSummary
	var idNum, phone, state, items, created, accepted, updated string
	if err := rows.Scan(append([]any{&s.ID, &s.Number, &s.Name, &idNum, &phone, &s.Office, &state, &items, &created, &accepted, &updated, &s.CreatedBy}, more...)...); err != nil {
		return s, err
	}
	s.MaskedID = casework.MaskID(idNum)
	s.MaskedPhone = casework.MaskPhone(phone)
	s.State = casework.CaseState(state)
	if items != "" {
		_ = json.Unmarshal([]byte(items), &s.Items)
	}
	s.CreatedAt, s.AcceptedAt, s.UpdatedAt = parseTime(created), parseTime(accepted), parseTime(updated)
	return s, nil
}

// Search returns one page of the cases matching q, most recently updated
// first (oldest created first with q.OldestFirst), and how many match in
// all.
func (db *DB) Search(ctx context.Context, q Query) ([]CaseSummary, int, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	terms := q.terms()
	sizes, pending, err := db.postingSizes(ctx, terms)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", q.Text, err)
	}
	where, args, indexed, none := q.where(terms, sizes, pending, false)
	if none {
		return nil, 0, nil
	}
	order, key := ` ORDER BY c.updated_at DESC, c.rid DESC`, `c.updated_at`
	if q.OldestFirst {
		order, key = ` ORDER BY c.created_at, c.rid`, `c.created_at`
	}
	// The page's rows are chosen first and only they are read whole: in one
	// query SQLite would build every matching row before sorting them.
	page := `SELECT ` + summaryColumns + `, %s FROM cases c WHERE c.rid IN (%s LIMIT ? OFFSET ?)` + order
	var rows *sql.Rows
	total := -1
	if indexed {
		// The postings bound the matches (a few thousand at most): they are
		// found once, for the count and the page, where a count first
		// would find them twice.
		m := `WITH m AS MATERIALIZED (SELECT c.rid, ` + key + ` FROM cases c WHERE ` + where + `) `
		sorted := strings.NewReplacer("c.updated_at", "m.updated_at", "c.created_at", "m.created_at", "c.rid", "m.rid").Replace(order)
		rows, err = db.searchQuery(ctx, m+fmt.Sprintf(page, `(SELECT count(*) FROM m)`, `SELECT m.rid FROM m`+sorted), append(args, q.Limit, q.Offset)...)
	} else {
		cwhere, cargs, _, _ := q.where(terms, sizes, pending, true)
		if err := db.searchRow(ctx, `SELECT count(*) FROM cases c WHERE `+cwhere, cargs, &total); err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", q.Text, err)
		}
		if total == 0 {
			return nil, 0, nil
		}
		rows, err = db.searchQuery(ctx, fmt.Sprintf(page, "?", `SELECT c.rid FROM cases c WHERE `+where+order), append(append([]any{total}, args...), q.Limit, q.Offset)...)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", q.Text, err)
	}
	defer rows.Close()
	var out []CaseSummary
	for rows.Next() {
		s, err := scanSummary(rows, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", q.Text, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", q.Text, err)
	}
	if total < 0 { // a page past the end says no count
		if q.Offset == 0 {
			return nil, 0, nil
		}
		if err := db.searchRow(ctx, `SELECT count(*) FROM cases c WHERE `+where, args, &total); err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", q.Text, err)
		}
	}
	return out, total, nil
}

// maxSearchStmts bounds the statements of searches kept prepared in
// db.stmts (their text starts with searchMark): the text varies with the
// query's shape (the terms' kinds and numbers of grams, the filters), a few
// dozen shapes in a counter's use; past the bound a search's statements are
// prepared for it alone. Preparing them took a third of a name search.
const maxSearchStmts = 64

const searchMark = "/* search */ "

// searchQuery runs a search's statement q, prepared once while fewer than
// maxSearchStmts are kept.
func (db *DB) searchQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = searchMark + q
	db.gate.RLock()
	defer db.gate.RUnlock()
	db.smu.Lock()
	s, ok := db.stmts[q]
	if !ok {
		n := 0
		for k := range db.stmts {
			if strings.HasPrefix(k, searchMark) {
				n++
			}
		}
		if n < maxSearchStmts {
			var err error
			if s, err = db.sql.PrepareContext(ctx, q); err != nil {
				db.smu.Unlock()
				return nil, err
			}
			db.stmts[q], ok = s, true
		}
	}
	db.smu.Unlock()
	if ok {
		return s.QueryContext(ctx, args...)
	}
	return db.sql.QueryContext(ctx, q, args...)
}

// searchRow runs a search's statement q of one row into dest.
func (db *DB) searchRow(ctx context.Context, q string, args []any, dest ...any) error {
	rows, err := db.searchQuery(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// FindDuplicates returns the accepted (not draft, not withdrawn) cases of
// the ID number at office: the intake warning for a second application.
func (db *DB) FindDuplicates(ctx context.Context, idNumber, office string) ([]CaseSummary, error) {
	rows, err := db.query(ctx, `SELECT `+summaryColumns+` FROM cases c
		WHERE c.id_number = ? AND c.office = ? AND c.state NOT IN ('', 'draft', 'withdrawn')
		ORDER BY c.accepted_at`, strings.ToUpper(strings.TrimSpace(idNumber)), office)
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	defer rows.Close()
	var out []CaseSummary
	for rows.Next() {
		s, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("find duplicates: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TaskQuery selects department tasks.
type TaskQuery struct {
	Department, Office string
	States             []casework.TaskState
	DueFrom            time.Time // zero: any
	DueBefore          time.Time // zero: any
	Limit              int       // 0 = 200
}

// TaskRow is a task with what a handler needs to know of its case.
type TaskRow struct {
	CaseID, Number, Name, MaskedID, Office string
	Task                                   casework.Task
}

// Tasks returns tasks matching q, earliest due first (tasks without a due
// date last).
func (db *DB) Tasks(ctx context.Context, q TaskQuery) ([]TaskRow, error) {
	if q.Limit <= 0 {
		q.Limit = 200
	}
	conds := []string{"1"}
	var args []any
	if q.Department != "" {
		conds = append(conds, "t.department = ?")
		args = append(args, q.Department)
	}
	if q.Office != "" {
		conds = append(conds, "c.office = ?")
		args = append(args, q.Office)
	}
	if len(q.States) > 0 {
		ph := make([]string, len(q.States))
		for i, s := range q.States {
			ph[i] = "?"
			args = append(args, string(s))
		}
		conds = append(conds, "t.state IN ("+strings.Join(ph, ",")+")")
	}
	if !q.DueFrom.IsZero() {
		conds = append(conds, "t.due <> '' AND t.due >= ?")
		args = append(args, formatTime(q.DueFrom))
	}
	if !q.DueBefore.IsZero() {
		conds = append(conds, "t.due <> '' AND t.due < ?")
		args = append(args, formatTime(q.DueBefore))
	}
	rows, err := db.rawQuery(ctx, `SELECT c.id, c.number, c.name, c.id_number, c.office,
		t.item, t.department, t.state, t.reason, t.started, t.due, t.finished, t.result, t.updated_at
		FROM tasks t JOIN cases c ON c.rid = t.case_rid WHERE `+strings.Join(conds, " AND ")+`
		ORDER BY t.due = '', t.due, c.rid, t.item LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	defer rows.Close()
	var out []TaskRow
	for rows.Next() {
		var r TaskRow
		var idNum, state, started, due, finished, result, updated string
		if err := rows.Scan(&r.CaseID, &r.Number, &r.Name, &idNum, &r.Office, &r.Task.Item, &r.Task.Department, &state,
			&r.Task.Reason, &started, &due, &finished, &result, &updated); err != nil {
			return nil, fmt.Errorf("tasks: %w", err)
		}
		r.MaskedID = casework.MaskID(idNum)
		r.Task.State = casework.TaskState(state)
		r.Task.Started, r.Task.Due, r.Task.Finished, r.Task.UpdatedAt = parseTime(started), parseTime(due), parseTime(finished), parseTime(updated)
		if result != "" {
			_ = json.Unmarshal([]byte(result), &r.Task.Result)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Stats are the dashboard counts of an office.
type Stats struct {
	AcceptedToday    int // cases accepted since the start of today
	DueSoon          int // open tasks due from today to 3 days ahead
	Overdue          int // open tasks due before today
	WaitingMaterials int // accepted or in-progress cases with a material still required
	Drafts           int
	Open             int // accepted or in progress
}

// Stats counts for the dashboard of office ("" = every office); today is
// read in its own location.
func (db *DB) Stats(ctx context.Context, office string, today time.Time) (Stats, error) {
	var s Stats
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
	day, soon := formatTime(start), formatTime(start.AddDate(0, 0, 3))
	open := `('pending', 'waiting', 'working', 'returned')`
	err := db.rawRow(ctx, `SELECT
		(SELECT count(*) FROM cases WHERE (?1 = '' OR office = ?1) AND accepted_at >= ?2),
		(SELECT count(*) FROM tasks t JOIN cases c ON c.rid = t.case_rid WHERE (?1 = '' OR c.office = ?1)
			AND t.state IN `+open+` AND t.due >= ?2 AND t.due < ?3),
		(SELECT count(*) FROM tasks t JOIN cases c ON c.rid = t.case_rid WHERE (?1 = '' OR c.office = ?1)
			AND t.state IN `+open+` AND t.due <> '' AND t.due < ?2),
		(SELECT count(*) FROM cases WHERE (?1 = '' OR office = ?1) AND state IN ('accepted', 'in_progress') AND missing_materials > 0),
		(SELECT count(*) FROM cases WHERE (?1 = '' OR office = ?1) AND state = 'draft'),
		(SELECT count(*) FROM cases WHERE (?1 = '' OR office = ?1) AND state IN ('accepted', 'in_progress'))`,
		office, day, soon).Scan(&s.AcceptedToday, &s.DueSoon, &s.Overdue, &s.WaitingMaterials, &s.Drafts, &s.Open)
	if err != nil {
		return s, fmt.Errorf("stats %s: %w", office, err)
	}
	return s, nil
}
