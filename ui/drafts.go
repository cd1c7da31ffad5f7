package ui

import (
	"vetdesk/store"
)

// userNames maps the user IDs and logins of the store to names: a case
// records who started it by one or the other.
func userNames(d *Desk) map[string]string {
	out := map[string]string{}
	us, err := d.Svc.Store.Users(d.ctx())
	if err != nil {
		return out
	}
	for _, u := range us {
		out[u.ID] = u.Name
		out[u.Login] = u.Name
	}
	return out
}

// startedBy names who started a case, as far as the store knows them.
func startedBy(r store.CaseSummary, names map[string]string) string {
	if n := names[r.CreatedBy]; n != "" {
		return n
	}
	if r.CreatedBy != "" {
		return r.CreatedBy
	}
	return T("history.someone")
}

// draftLabel is a draft as the lists show it: whose, who started it and
// when, when it was last saved.
func draftLabel(r store.CaseSummary, names map[string]string) string {
	name := r.Name
	if name == "" {
		name = T("draft.noname")
	}
	return T("draft.label", map[string]any{"Name": name, "ID": r.MaskedID, "Who": startedBy(r, names),
		"Started": r.CreatedAt.Local().Format("2006-01-02 15:04"), "Saved": r.UpdatedAt.Local().Format("01-02 15:04")})
}
