package hub

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"vetdesk/casework"
	"vetdesk/store"
)

// 好差评 on the public site (#13): /rate?n=&c= is the rating form of a
// case after 办结, reached from its progress page; the case number and
// look-up code authorise it, checked and limited as the progress page
// checks them (the same counters). One rating per case: the veteran rates
// the service of the case as a whole, as the desk does on request. The
// rating is an event of the case in the replica, so it reaches the desks
// of its office like the desk's own; a 差评 opens the 整改 follow-up there.

// ratePath is the rating page.
const ratePath = "/rate"

// maxRateBody caps a posted rating form.
const maxRateBody = 16 << 10

// portalActor is who the public site's events are written by.
var portalActor = store.Actor{UserID: "portal", Login: "portal", Name: "网上办事", Role: store.RoleClerk}

func init() {
	publicPages = template.Must(publicPages.Parse(`
{{define "rate"}}{{template "top" .}}<h1>{{.W.rate_title}}</h1>
<div class="card"><dl><dt>{{.W.progress_number}}</dt><dd>{{.Number}}</dd><dt>{{.W.progress_station}}</dt><dd>{{.Station}}</dd></dl></div>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .Done}}<div class="card rated"><p>{{.Done}}</p>{{if .Level}}<p class="meta">{{.W.rate_your_level}}{{.Level}}</p>{{end}}{{if .FollowUp}}<p class="meta">{{.FollowUp}}</p>{{end}}</div>
{{else if .Levels}}<form method="post" action="/rate" class="card">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="n" value="{{.Number}}"><input type="hidden" name="c" value="{{.Code}}">
<fieldset><legend>{{.W.rate_level}}</legend>{{range .Levels}}<label class="check"><input type="radio" name="level" value="{{.Value}}" required{{if .Selected}} checked{{end}}> {{.Label}}</label>{{end}}</fieldset>
<label for="comment">{{.W.rate_comment}}</label><textarea id="comment" name="comment" rows="4" maxlength="500">{{.Comment}}</textarea>
<button type="submit">{{.W.rate_submit}}</button></form>{{end}}
<p><a href="{{.Back}}">{{.W.rate_back}}</a></p>
{{template "bottom" .}}{{end}}
`))
}

type rateView struct {
	publicView
	Station, Code, CSRF, Back string
	Levels                    []option
	Comment                   string
	Done, Level, FollowUp     string
}

// RateURL is the rating page of case number with its look-up code, under
// the public site (a path when base is empty).
func RateURL(base, number, code string) string {
	return strings.TrimRight(base, "/") + ratePath + "?" + url.Values{"n": {number}, "c": {code}}.Encode()
}

// levelWord is the Chinese name of a level (translations rating.level.N).
func levelWord(l casework.RatingLevel) string {
	all, err := allWords()
	if err != nil {
		return string(l)
	}
	if s, ok := all["rating.level."+string(l)]; ok {
		return s
	}
	return string(l)
}

// lookupCase checks a case number and look-up code from client as the
// progress page does, counting a wrong code against the same limits. It
// returns the case, or the status and the word of the refusal.
func (h *Hub) lookupCase(ctx context.Context, client, number, code string, words map[string]string) (*casework.Case, int, string, error) {
	now := h.now()
	if !h.guesses.allow(client, number, now) {
		h.audit(ctx, "portal:"+client, "progress_refused", number, "rate limit")
		return nil, http.StatusTooManyRequests, words["progress_too_many"], nil
	}
	c, err := h.progressCase(ctx, number)
	if err != nil {
		return nil, 0, "", err
	}
	if c == nil || len(code) > 16 || subtle.ConstantTimeCompare([]byte(casework.LookupCode(c)), []byte(code)) != 1 {
		h.guesses.wrong(client, number, c != nil, now)
		h.audit(ctx, "portal:"+client, "progress_wrong_code", number, "")
		return nil, http.StatusNotFound, words["progress_wrong"], nil
	}
	return c, http.StatusOK, "", nil
}

func (h *Hub) handleRate(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	post := r.Method == http.MethodPost
	if post {
		r.Body = http.MaxBytesReader(w, r.Body, maxRateBody)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
	}
	number := strings.ToUpper(strings.TrimSpace(r.FormValue("n")))
	code := strings.ToUpper(strings.TrimSpace(r.FormValue("c")))
	client := h.client(r)
	v := rateView{publicView: publicView{W: words, Title: words["rate_title"], Number: number}, Code: code,
		Back: casework.ProgressURL("", number, code)}
	if post && !h.csrfOK(r, r.PostFormValue("csrf")) {
		h.audit(r.Context(), "portal:"+client, "rate_refused", number, "csrf")
		v.Error = words["apply_csrf"]
		h.render(w, r, http.StatusForbidden, "rate", v)
		return
	}
	if number == "" || code == "" {
		http.Redirect(w, r, casework.ProgressPath, http.StatusSeeOther)
		return
	}
	c, status, why, err := h.lookupCase(r.Context(), client, number, code, words)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if c == nil {
		v.Error, v.Action = why, casework.ProgressPath
		h.render(w, r, status, "progress_form", v.publicView)
		return
	}
	v.Station = h.stationName(c)
	prev, err := h.db.CaseRating(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if prev != nil {
		v.Done, v.Level = words["rate_already"], levelWord(prev.Level)
		status := http.StatusOK
		if post {
			status = http.StatusConflict
		}
		h.render(w, r, status, "rate", v)
		return
	}
	if c.State != casework.CaseDone {
		v.Done = words["rate_not_done"]
		h.render(w, r, http.StatusOK, "rate", v)
		return
	}
	level := casework.RatingLevel(r.PostFormValue("level"))
	for _, l := range casework.RatingLevels {
		v.Levels = append(v.Levels, option{Value: string(l), Label: levelWord(l), Selected: l == level})
	}
	if !post {
		v.CSRF = h.csrf(w, r)
		h.render(w, r, http.StatusOK, "rate", v)
		return
	}
	d := store.RatingDetail{Level: level, Comment: scrubPersonal(r.PostFormValue("comment")), Source: store.RatingPortal}
	h.mu.Lock()
	err = h.db.RecordRating(r.Context(), portalActor, c.ID, d)
	h.mu.Unlock()
	switch {
	case errors.Is(err, store.ErrBadRating):
		v.CSRF, v.Comment, v.Error = h.csrf(w, r), d.Comment, words["rate_bad"]
		h.render(w, r, http.StatusBadRequest, "rate", v)
		return
	case errors.Is(err, store.ErrRated):
		v.Levels, v.Done = nil, words["rate_already"]
		h.render(w, r, http.StatusConflict, "rate", v)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.audit(r.Context(), "portal:"+client, "rate", number, string(level))
	v.Levels, v.Done, v.Level = nil, words["rate_thanks"], levelWord(level)
	if level.Bad() {
		v.FollowUp = words["rate_followup"]
	}
	h.render(w, r, http.StatusOK, "rate", v)
}

// rateLink is what the progress page of the 办结 case c offers: the link
// to the rating page, or once rated the level given.
func (h *Hub) rateLink(ctx context.Context, c *casework.Case, code string, words map[string]string) (link, rated string) {
	if r, err := h.db.CaseRating(ctx, c.ID); err == nil && r != nil {
		return "", words["rate_your_level"] + levelWord(r.Level)
	}
	return RateURL("", c.Number, code), ""
}
