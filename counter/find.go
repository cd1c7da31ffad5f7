package counter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"vetdesk/casework"
	"vetdesk/store"
)

// ActionFind is the audit action of a command-line case lookup.
const ActionFind = "find"

// findPage is how many cases Find reads from the store at a time.
const findPage = 500

// Find runs the window's case search (store.Search: case numbers and their
// fragments, name fragments, ID fragments, phone endings; every term must
// match) for query and writes one line per case to w, most recently
// updated first, at most limit lines (0: every match). The ID number and
// the phone are masked as in the window, and a user who is neither
// supervisor nor admin sees only their office's cases, as in the window.
// Unlike the window's typing, a lookup on the command line can list the
// whole store into a file, so it is audited like an export: who, the query
// and how many cases were shown. It returns the lines written and the
// number of matches.
func Find(ctx context.Context, st *store.DB, a store.Actor, query string, limit int, w io.Writer) (shown, total int, err error) {
	if strings.TrimSpace(query) == "" {
		return 0, 0, errors.New("find: empty query")
	}
	q := store.Query{Text: casework.NormalizeQuery(query), Limit: findPage} // as the window's search box
	if !FullValuesAllowed(a.Role) {
		q.Office = a.Office
	}
	defer func() {
		detail := fmt.Sprintf("matches=%d shown=%d", total, shown)
		if q.Office != "" {
			detail += " office=" + q.Office
		}
		if err != nil {
			detail += " error=" + err.Error()
		}
		if aerr := st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: ActionFind, Target: query,
			Success: err == nil, Detail: detail}); aerr != nil && err == nil {
			err = fmt.Errorf("find: audit: %w", aerr)
		}
	}()
	for {
		if limit > 0 {
			q.Limit = min(findPage, limit-shown)
		}
		rows, n, err := st.Search(ctx, q)
		if err != nil {
			return shown, total, fmt.Errorf("find: %w", err)
		}
		if q.Offset == 0 {
			total = n
		}
		for _, r := range rows {
			if _, err := io.WriteString(w, FindLine(r)+"\n"); err != nil {
				return shown, total, fmt.Errorf("find: %w", err)
			}
			shown++
		}
		q.Offset += len(rows)
		if len(rows) == 0 || q.Offset >= n || limit > 0 && shown >= limit {
			return shown, total, nil
		}
	}
}

// FindLine is one case as `vetdesk find` prints it, tab-separated: the case
// number ("-" for a draft, which has none yet), the name, the masked ID
// number, the masked phone, the state, and the day of acceptance (empty
// before it).
func FindLine(r store.CaseSummary) string {
	number := r.Number
	if number == "" {
		number = "-"
	}
	accepted := ""
	if !r.AcceptedAt.IsZero() {
		accepted = r.AcceptedAt.Local().Format("2006-01-02")
	}
	state := string(r.State)
	if r.State == "" {
		state = string(casework.CaseDraft)
	}
	return strings.Join([]string{number, oneLine(r.Name), r.MaskedID, r.MaskedPhone, state, accepted}, "\t")
}

// oneLine keeps a value on its line: tabs and line breaks become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
