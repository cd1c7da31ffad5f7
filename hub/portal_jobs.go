package hub

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// 就业培训 on the public site (#13): /jobs lists the open training courses
// and job postings of every station (?k=course or ?k=job for one kind);
// /jobs/{id} shows one with the sign-up form. A veteran signs up with the
// case number and look-up code of the receipt (checked and limited as the
// progress page checks them), and may leave a phone for the organiser:
// the sign-up then shows on the case's 就业培训 task at the desk. Without a
// case there is nothing for the desk to follow up, so the case is asked.

const jobsPath = "/jobs"

const maxSignupBody = 16 << 10

func init() {
	publicPages = template.Must(publicPages.Parse(`
{{define "jobs"}}{{template "top" .}}<h1>{{.W.jobs_title}}</h1>
<p class="meta">{{.W.jobs_intro}}</p>
<p class="tabs"><a href="/jobs"{{if eq .Kind ""}} class="on"{{end}}>{{.W.jobs_all}}</a> · <a href="/jobs?k=course"{{if eq .Kind "course"}} class="on"{{end}}>{{.W.jobs_courses}}</a> · <a href="/jobs?k=job"{{if eq .Kind "job"}} class="on"{{end}}>{{.W.jobs_jobs}}</a></p>
{{range .Postings}}<div class="card posting"><h3><a href="/jobs/{{.ID}}">{{.Title}}</a></h3>
<p class="meta"><span class="state">{{.KindName}}</span> {{.Org}}{{if .Station}} · {{.Station}}{{end}}</p>
{{if .Schedule}}<p class="meta">{{$.W.jobs_schedule}}{{.Schedule}}</p>{{end}}{{if .Deadline}}<p class="meta">{{$.W.jobs_deadline}}{{.Deadline}}</p>{{end}}</div>
{{else}}<div class="card"><p>{{.W.jobs_none}}</p></div>{{end}}
{{template "bottom" .}}{{end}}

{{define "job"}}{{template "top" .}}{{with .Posting}}<h1>{{.Title}}</h1>
<div class="card"><dl><dt>{{$.W.jobs_kind}}</dt><dd>{{.KindName}}</dd><dt>{{$.W.jobs_org}}</dt><dd>{{.Org}}</dd>
{{if .Station}}<dt>{{$.W.jobs_station}}</dt><dd>{{.Station}}</dd>{{end}}
{{if .Place}}<dt>{{$.W.jobs_place}}</dt><dd>{{.Place}}</dd>{{end}}{{if .Schedule}}<dt>{{$.W.jobs_when}}</dt><dd>{{.Schedule}}</dd>{{end}}
{{if .Deadline}}<dt>{{$.W.jobs_until}}</dt><dd>{{.Deadline}}</dd>{{end}}{{if .Contact}}<dt>{{$.W.jobs_contact}}</dt><dd>{{.Contact}}</dd>{{end}}</dl>
{{if .Details}}<p class="details">{{.Details}}</p>{{end}}</div>{{end}}
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .Done}}<div class="card signed"><p>{{.Done}}</p></div>
{{else}}<form method="post" action="/jobs/{{.Posting.ID}}" class="card"><h3>{{.W.jobs_signup}}</h3><p class="meta">{{.W.jobs_signup_help}}</p>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="n">{{.W.progress_number}}</label><input id="n" name="n" value="{{.Number}}" autocomplete="off" required>
<label for="c">{{.W.progress_code}}</label><input id="c" name="c" autocomplete="off" required>
<label for="phone">{{.W.jobs_phone}}</label><input id="phone" name="phone" type="tel" autocomplete="tel">
<button type="submit">{{.W.jobs_submit}}</button></form>{{end}}
<p><a href="/jobs">{{.W.jobs_back}}</a></p>
{{template "bottom" .}}{{end}}
`))
}

type postingView struct {
	syncapi.Posting
	KindName, Station string
}

type jobsView struct {
	publicView
	Kind     string
	Postings []postingView
	Posting  *postingView
	CSRF     string
	Done     string
}

func (h *Hub) postingView(p syncapi.Posting, words map[string]string) postingView {
	v := postingView{Posting: p, KindName: words["jobs_kind_"+p.Kind]}
	if d := h.cat.Division(p.Office); d != nil {
		v.Station = d.Name
	}
	return v
}

func (h *Hub) handleJobs(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	kind := r.URL.Query().Get("k")
	if kind != casework.PostingCourse && kind != casework.PostingJob {
		kind = ""
	}
	ps, err := h.Postings(r.Context(), "", true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := jobsView{publicView: publicView{W: words, Title: words["jobs_title"]}, Kind: kind}
	for _, p := range ps {
		if kind == "" || p.Kind == kind {
			v.Postings = append(v.Postings, h.postingView(p, words))
		}
	}
	h.render(w, r, http.StatusOK, "jobs", v)
}

// handleJob shows a posting with its sign-up form (GET) and takes a
// sign-up (POST).
func (h *Hub) handleJob(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.openPosting(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if p == nil {
		v := jobsView{publicView: publicView{W: words, Title: words["jobs_title"], Error: words["jobs_gone"]}}
		h.render(w, r, http.StatusNotFound, "jobs", v)
		return
	}
	pv := h.postingView(*p, words)
	v := jobsView{publicView: publicView{W: words, Title: p.Title}, Posting: &pv}
	if r.Method != http.MethodPost {
		v.CSRF = h.csrf(w, r)
		h.render(w, r, http.StatusOK, "job", v)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignupBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	client := h.client(r)
	refuse := func(status int, msg string) {
		v.Error, v.CSRF = msg, h.csrf(w, r)
		h.render(w, r, status, "job", v)
	}
	if !h.csrfOK(r, r.PostFormValue("csrf")) {
		h.audit(r.Context(), "portal:"+client, "signup_refused", p.ID, "csrf")
		refuse(http.StatusForbidden, words["apply_csrf"])
		return
	}
	number := strings.ToUpper(strings.TrimSpace(r.PostFormValue("n")))
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("c")))
	v.Number = number
	phone := casework.NormalizePhone(strings.TrimSpace(r.PostFormValue("phone")))
	if phone != "" {
		if probs := casework.CheckPosting(map[string]string{casework.PostingKind: p.Kind, casework.PostingTitle: "-", casework.PostingOrg: "-",
			casework.PostingContact: phone}, time.Time{}); len(probs) > 0 {
			refuse(http.StatusBadRequest, words["jobs_bad_phone"])
			return
		}
	}
	c, status, why, err := h.lookupCase(r.Context(), client, number, code, words)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if c == nil {
		refuse(status, why)
		return
	}
	if c.State == casework.CaseWithdrawn {
		refuse(http.StatusConflict, words["jobs_case_closed"])
		return
	}
	switch err := h.SignUp(r.Context(), c, p, phone); {
	case errors.Is(err, ErrSignedUp):
		v.Done = words["jobs_already"]
		h.render(w, r, http.StatusConflict, "job", v)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.audit(r.Context(), "portal:"+client, "signup", number, p.ID)
	v.Done = words["jobs_thanks"]
	h.render(w, r, http.StatusOK, "job", v)
}
