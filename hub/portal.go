package hub

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// The public site (#13): the veteran's pages, served on a listener of
// their own (ServePublic) apart from the device API, so that the API's
// port can stay inside the government network while the pages face the
// internet (or a reverse proxy). Server-rendered html/template, Chinese,
// mobile-first, a little CSS, no script.

// Guessing limits of the progress page: wrong look-up codes are counted per
// case and per client in the current hour. A case with ProgressCaseWrong
// wrong codes answers nobody until the hour is over (a correct code too:
// otherwise the limit would not stop a guesser); a client with
// ProgressClientWrong wrong codes is refused every look-up until then. A
// code has 36 million values, so 10 guesses an hour take centuries.
const (
	ProgressCaseWrong   = 10
	ProgressClientWrong = 30
	// ProgressClientRate caps a client's look-ups a minute, right or wrong.
	ProgressClientRate = 60
)

// guessLimiter counts wrong codes per case and per client in fixed hour
// windows, and look-ups per client a minute.
type guessLimiter struct {
	mu            sync.Mutex
	hour, minute  int64
	byCase, byCli map[string]int
	rate          map[string]int
}

func (l *guessLimiter) roll(now time.Time) {
	if hr := now.Unix() / 3600; hr != l.hour || l.byCase == nil {
		l.hour, l.byCase, l.byCli = hr, map[string]int{}, map[string]int{}
	}
	if m := now.Unix() / 60; m != l.minute || l.rate == nil {
		l.minute, l.rate = m, map[string]int{}
	}
}

// allow counts one look-up of client and reports whether it may go on
// (client under its rate and its wrong codes, the case under its wrong
// codes).
func (l *guessLimiter) allow(client, number string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(now)
	l.rate[client]++
	return l.rate[client] <= ProgressClientRate && l.byCli[client] < ProgressClientWrong && l.byCase[number] < ProgressCaseWrong
}

// wrong counts a wrong code for client and, when the case exists, for it.
func (l *guessLimiter) wrong(client, number string, exists bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(now)
	l.byCli[client]++
	if exists {
		l.byCase[number]++
	}
}

// publicWords are the public pages' strings (assets/translations, zh-Hans):
// the portal.* keys with dots turned to underscores, and the task and case
// states as task_<state>, case_<state>.
var publicWords = sync.OnceValues(func() (map[string]string, error) {
	all, err := allWords()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range all {
		for _, p := range []string{"portal.", "task.state.", "case.state."} {
			if rest, ok := strings.CutPrefix(k, p); ok {
				key := rest
				if p != "portal." {
					key = strings.TrimSuffix(strings.ReplaceAll(p, ".state.", "_"), ".") + rest
				}
				out[strings.ReplaceAll(key, ".", "_")] = v
			}
		}
	}
	return out, nil
})

// allWords are the Chinese translations, every key.
var allWords = sync.OnceValues(func() (map[string]string, error) {
	b, err := assets.Translations.ReadFile("translations/zh-Hans.json")
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	return all, nil
})

// publicCSS is the site's one style sheet: phone first, wider screens get
// a centred column.
const publicCSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.6 system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#222;background:#f4f5f7}
header{background:#b71c1c;color:#fff;padding:.8em 1em}header a{color:#fff;text-decoration:none;font-weight:bold}
main{max-width:40em;margin:0 auto;padding:1em}
h1{font-size:1.3em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.2em 0 .4em}
.card{background:#fff;border-radius:8px;padding:.8em 1em;margin:.6em 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card h3{margin:0 0 .3em;font-size:1em}
.meta{color:#555;font-size:.9em}
.state{display:inline-block;padding:0 .5em;border-radius:4px;font-size:.9em;background:#e8eaf0}
.s-done{background:#e3f4e5;color:#1b5e20}.s-returned,.s-refused{background:#fdecea;color:#b71c1c}.s-working,.s-pending{background:#fff4e0;color:#8a5300}
.need{border-left:3px solid #b71c1c;padding-left:.6em;margin-top:.4em}
label{display:block;margin:.8em 0 .2em}input,select,textarea{width:100%;font-size:1em;padding:.5em;border:1px solid #bbb;border-radius:6px}
button{margin-top:1em;width:100%;font-size:1.05em;padding:.7em;border:0;border-radius:6px;background:#b71c1c;color:#fff}
.err{color:#b71c1c;font-weight:bold}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2em 1em;margin:0}dt{color:#555}dd{margin:0}
footer{color:#777;font-size:.8em;text-align:center;padding:2em 1em}
fieldset{border:0;padding:0;margin:.8em 0}legend{margin-bottom:.3em}label.check{display:flex;gap:.5em;align-items:center;margin:.3em 0}label.check input{width:auto}
.err ul{margin:.3em 0;padding-left:1.2em}
`

var publicPages = template.Must(template.New("layout").Parse(`{{define "top"}}<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.W.site}}</title><link rel="stylesheet" href="/static/site.css"></head>
<body><header><a href="/">{{.W.site}}</a></header><main>{{end}}
{{define "bottom"}}</main><footer>{{.W.footer}}</footer></body></html>{{end}}

{{define "home"}}{{template "top" .}}<h1>{{.W.site}}</h1>
<div class="card"><h3><a href="/progress">{{.W.progress_title}}</a></h3><p class="meta">{{.W.home_progress}}</p></div>
<div class="card"><h3><a href="/apply">{{.W.apply_title}}</a></h3><p class="meta">{{.W.home_apply}}</p></div>
<div class="card"><h3><a href="/application">{{.W.application_title}}</a></h3><p class="meta">{{.W.home_application}}</p></div>
<div class="card"><h3><a href="/jobs">{{.W.jobs_title}}</a></h3><p class="meta">{{.W.home_jobs}}</p></div>
{{template "bottom" .}}{{end}}

{{define "progress_form"}}{{template "top" .}}<h1>{{.Title}}</h1>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
<form method="get" action="{{if .Action}}{{.Action}}{{else}}/progress{{end}}" class="card">
<label for="n">{{.W.progress_number}}</label><input id="n" name="n" value="{{.Number}}" autocomplete="off" required>
<label for="c">{{.W.progress_code}}</label><input id="c" name="c" autocomplete="off" required>
<button type="submit">{{.W.progress_submit}}</button></form>
<p class="meta">{{.W.progress_help}}</p>
{{template "bottom" .}}{{end}}

{{define "progress"}}{{template "top" .}}<h1>{{.W.progress_title}}</h1>
{{with .Case}}<div class="card"><dl>
<dt>{{$.W.progress_number}}</dt><dd>{{.Number}}</dd>
<dt>{{$.W.progress_applicant}}</dt><dd>{{.Name}}</dd>
<dt>{{$.W.progress_accepted}}</dt><dd>{{.Accepted}}</dd>
<dt>{{$.W.progress_station}}</dt><dd>{{.Station}}</dd>
<dt>{{$.W.progress_state}}</dt><dd><span class="state">{{.State}}</span></dd>
</dl></div>
<h2>{{$.W.progress_items}}</h2>
{{range .Items}}<div class="card item"><h3>{{.Name}}</h3>
<p class="meta">{{.Department}} · <span class="state s-{{.Code}}">{{.State}}</span>{{if .Due}} · {{$.W.progress_due}} {{.Due}}{{end}}{{if .Finished}} · {{$.W.progress_finished}} {{.Finished}}{{end}}</p>
{{if .Need}}<p class="need">{{.NeedLabel}}{{.Need}}</p>{{end}}</div>
{{end}}{{if .Rated}}<div class="card rated"><p>{{.Rated}}</p></div>{{else if .Rate}}<div class="card rate"><a href="{{.Rate}}">{{$.W.rate_link}}</a></div>{{end}}{{if .Notices}}<h2>{{$.W.progress_notices}}</h2>
{{range .Notices}}<div class="card notice"><p class="meta">{{.At}}</p><p>{{.Body}}</p></div>
{{end}}{{end}}{{end}}
{{template "bottom" .}}{{end}}
`))

// publicView is what every public page is given.
type publicView struct {
	W      map[string]string
	Title  string
	Action string // the look-up form's target: /progress or /application
	Error  string
	Number string
	Case   *progressCase
}

// progressCase is a case as the progress page shows it: nothing in it
// names the veteran beyond the masked name.
type progressCase struct {
	Number, Name, Accepted, Station, State string
	Items                                  []progressItem
	Notices                                []progressNotice
	Rate                                   string // the rating page, once the case is 办结 (portal_rating.go)
	Rated                                  string // the rating given, instead of the link
}

type progressNotice struct{ At, Body string }

type progressItem struct {
	Name, Department, Code, State string
	Due, Finished                 string
	Need, NeedLabel               string
}

// PublicHandler serves the public site: / and the progress page; the
// device API is not on it.
func (h *Hub) PublicHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.handleHome)
	mux.HandleFunc("GET /static/site.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write([]byte(publicCSS))
	})
	mux.HandleFunc("GET "+casework.ProgressPath, h.handleProgress)
	mux.HandleFunc("GET /apply", h.handleApply)
	mux.HandleFunc("GET /apply/form", h.handleApplyForm)
	mux.HandleFunc("POST /apply/form", h.handleApplySubmit)
	mux.HandleFunc("GET "+applicationPath, h.handleApplication)
	mux.HandleFunc("GET "+ratePath, h.handleRate) // portal_rating.go
	mux.HandleFunc("POST "+ratePath, h.handleRate)
	mux.HandleFunc("GET "+jobsPath, h.handleJobs) // portal_jobs.go
	mux.HandleFunc("GET "+jobsPath+"/{id}", h.handleJob)
	mux.HandleFunc("POST "+jobsPath+"/{id}", h.handleJob)
	mux.HandleFunc("POST "+syncapi.PathPortalApplications, h.handlePortalApplication)
	return h.logged(publicHeaders(mux))
}

// publicHeaders sets the headers every public answer carries: no script
// and no framing, no referrer (the progress page's address holds its code),
// nothing kept in caches.
func publicHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		if r.URL.Path != "/static/site.css" {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// client is the address the limits count a request against: the peer, or
// with Options.PublicTrustProxy the last address the proxy put in
// X-Forwarded-For (the one it saw; earlier ones the client may forge).
func (h *Hub) client(r *http.Request) string {
	if h.opt.PublicTrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Hub) render(w http.ResponseWriter, r *http.Request, status int, page string, v any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := publicPages.ExecuteTemplate(w, page, v); err != nil {
		h.log.ErrorContext(r.Context(), "public page", "page", page, "err", err)
	}
}

func (h *Hub) handleHome(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "home", publicView{W: words, Title: words["home_title"]})
}

// handleProgress serves the progress page: without parameters the form,
// with the case number (n) and the look-up code (c) the case's items, when
// the code is the case's and no limit is reached. An unknown number and a
// wrong code get the same answer.
func (h *Hub) handleProgress(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	number := strings.ToUpper(strings.TrimSpace(q.Get("n")))
	code := strings.ToUpper(strings.TrimSpace(q.Get("c")))
	v := publicView{W: words, Title: words["progress_title"], Number: number}
	if number == "" && code == "" {
		h.render(w, r, http.StatusOK, "progress_form", v)
		return
	}
	client, now := h.client(r), h.now()
	if !h.guesses.allow(client, number, now) {
		v.Error = words["progress_too_many"]
		h.audit(r.Context(), "portal:"+client, "progress_refused", number, "rate limit")
		h.render(w, r, http.StatusTooManyRequests, "progress_form", v)
		return
	}
	c, err := h.progressCase(r.Context(), number)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if c == nil || len(code) > 16 || subtle.ConstantTimeCompare([]byte(casework.LookupCode(c)), []byte(code)) != 1 {
		h.guesses.wrong(client, number, c != nil, now)
		h.audit(r.Context(), "portal:"+client, "progress_wrong_code", number, "")
		v.Error = words["progress_wrong"]
		h.render(w, r, http.StatusNotFound, "progress_form", v)
		return
	}
	v.Case = h.progressView(c, words)
	if c.State == casework.CaseDone {
		v.Case.Rate, v.Case.Rated = h.rateLink(r.Context(), c, code, words)
	}
	ns, err := h.CaseNotices(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, n := range ns {
		v.Case.Notices = append(v.Case.Notices, progressNotice{At: n.Created.In(chinaTime).Format("2006-01-02 15:04"), Body: n.Body})
	}
	h.render(w, r, http.StatusOK, "progress", v)
}

// progressCase is the accepted (or later) case with number, or nil.
func (h *Hub) progressCase(ctx context.Context, number string) (*casework.Case, error) {
	if _, err := casework.ParseCaseNumber(number); err != nil {
		return nil, nil
	}
	c, err := h.db.CaseByNumber(ctx, number)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.State == casework.CaseDraft) {
		return nil, nil
	}
	return c, err
}

// stationName is where case c was taken, as the veteran reads it: the
// station the desk was enrolled with, else (an intake started from an
// online application, a desk without a station) the name of the case's
// office; a code of the catalogue's divisions is never shown as it is.
func (h *Hub) stationName(c *casework.Case) string {
	if c.Station != "" {
		if d := h.cat.Division(c.Station); d != nil {
			return d.Name
		}
		return c.Station
	}
	if d := h.cat.Division(c.Office); d != nil {
		return d.Name
	}
	return c.Office
}

// progressView is what the page shows of c.
func (h *Hub) progressView(c *casework.Case, w map[string]string) *progressCase {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(chinaTime).Format("2006-01-02")
	}
	p := &progressCase{Number: c.Number, Name: casework.MaskName(c.Value(casework.FieldName)),
		Accepted: day(c.AcceptedAt), Station: h.stationName(c), State: w["case_"+string(c.State)]}
	for _, t := range c.Tasks {
		it := progressItem{Code: string(t.State), State: w["task_"+string(t.State)], Name: t.Item, Department: t.Department}
		if ci := h.cat.Item(t.Item); ci != nil {
			it.Name = ci.Name
		}
		if d := h.cat.Department(t.Department); d != nil {
			it.Department = d.Name
		}
		switch t.State {
		case casework.TaskDone:
			it.Finished = day(t.Finished)
		case casework.TaskReturned:
			it.Due, it.Need, it.NeedLabel = day(t.Due), scrubPersonal(t.Reason), w["progress_need"]
		case casework.TaskRefused:
			it.Need, it.NeedLabel = scrubPersonal(t.Reason), w["progress_refused_reason"]
		case casework.TaskPending, casework.TaskWorking:
			it.Due = day(t.Due)
		}
		p.Items = append(p.Items, it)
	}
	return p
}

// chinaTime is the zone dates are shown in (no tzdata needed).
var chinaTime = time.FixedZone("CST", 8*3600)

// idLike and phoneLike find an ID number or a phone number written into a
// department's free text (a 补正 reason), which the public page must not
// show in full.
var (
	idLike    = regexp.MustCompile(`\d{17}[\dXx]|\d{15}`)
	phoneLike = regexp.MustCompile(`1[3-9]\d{9}|0\d{2,3}-?\d{7,8}`)
)

// scrubPersonal masks ID and phone numbers in free text.
func scrubPersonal(s string) string {
	s = idLike.ReplaceAllStringFunc(s, casework.MaskID)
	return phoneLike.ReplaceAllStringFunc(s, casework.MaskPhone)
}

// PublicServer returns the public site's HTTP server: short timeouts (its
// requests are small pages and forms), TLS with cert.
func (h *Hub) PublicServer(cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           h.PublicHandler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       orDefault(h.opt.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      time.Minute,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
}

// ServePublic serves the public site over TLS with cert on ln (its own
// listener, apart from Serve's device API) until ctx ends, as Serve does.
func (h *Hub) ServePublic(ctx context.Context, ln net.Listener, cert tls.Certificate) error {
	ln = netutil.LimitListener(ln, orDefault(h.opt.MaxConns, DefaultMaxConns))
	return serveUntil(ctx, h.PublicServer(cert), ln)
}
