package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"vetdesk/assets"
	"vetdesk/internal/letterseal"
	"vetdesk/store"
)

// VerifyLetter checks a hukou letter's QR text (#12) against the hub's
// root key on today's date, then against the voided numbers the replica
// holds: letterseal's reasons, or letterseal.ErrVoid. The letter is
// returned whenever the text could be read. Every check is audited as
// who (the command line, or the page's client address).
func (h *Hub) VerifyLetter(ctx context.Context, who, text string) (*letterseal.Sealed, error) {
	s, err := letterseal.Verify(text, h.root.PublicKey(), h.now())
	if err == nil {
		var void bool
		if void, err = h.db.HasEvent(ctx, s.Letter.Case, store.EventLetterVoid, s.Letter.Number); err != nil {
			return s, fmt.Errorf("verify letter: %w", err)
		} else if void {
			err = letterseal.ErrVoid
		}
	}
	target, result := "", "valid"
	if s != nil {
		target = s.Letter.Number
	}
	if err != nil {
		result = err.Error()
	}
	h.audit(ctx, who, "verify_letter", target, result)
	return s, err
}

// VerifyRate is how many letters one client address may check on the
// /verify page a minute: enough for a station's counter, too few to use
// the page as a bulk look-up of numbers.
const VerifyRate = 20

// verifyLimiter counts a client's checks in the current minute.
type verifyLimiter struct {
	mu     sync.Mutex
	minute int64
	counts map[string]int
}

func (l *verifyLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := now.Unix() / 60; m != l.minute || l.counts == nil {
		l.minute, l.counts = m, map[string]int{}
	}
	l.counts[client]++
	return l.counts[client] <= VerifyRate
}

// verifyWords are the page's strings (assets/translations, zh-Hans: the
// page is for police stations).
var verifyWords = sync.OnceValues(func() (map[string]string, error) {
	b, err := assets.Translations.ReadFile("translations/zh-Hans.json")
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range all {
		if rest, ok := strings.CutPrefix(k, "verify."); ok {
			out[strings.ReplaceAll(rest, ".", "_")] = v
		}
	}
	return out, nil
})

var verifyPage = template.Must(template.New("verify").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.W.title}}</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em}textarea,input{width:100%;box-sizing:border-box}
.ok{color:#060}.bad{color:#b00}th{text-align:left;padding-right:1em;font-weight:normal;color:#555}</style></head>
<body><h1>{{.W.title}}</h1>
{{if .Result}}<h2 class="{{if .Valid}}ok{{else}}bad{{end}}">{{.Result}}</h2>{{if .Reason}}<p>{{.Reason}}</p>{{end}}
{{with .Letter}}<table>
<tr><th>{{$.W.number}}</th><td>{{.Number}}</td></tr>
<tr><th>{{$.W.case}}</th><td>{{.Case}}</td></tr>
<tr><th>{{$.W.name}}</th><td>{{.Name}}</td></tr>
<tr><th>{{$.W.id}}</th><td>{{.MaskedID}}</td></tr>
<tr><th>{{$.W.station}}</th><td>{{.Station}}</td></tr>
<tr><th>{{$.W.issued}}</th><td>{{.Issued.Format "2006-01-02"}}</td></tr>
<tr><th>{{$.W.until}}</th><td>{{.Until.Format "2006-01-02"}}</td></tr>
<tr><th>{{$.W.issuer}}</th><td>{{$.Desk}}</td></tr>
</table>{{end}}
{{if .IDChecked}}<p class="{{if .IDMatch}}ok{{else}}bad{{end}}">{{if .IDMatch}}{{.W.id_match}}{{else}}{{.W.id_mismatch}}{{end}}</p>{{end}}
<hr>{{end}}
<form method="post" action="/verify">
<p><label for="code">{{.W.code}}</label><br><textarea id="code" name="code" rows="6" required>{{.Code}}</textarea></p>
<p><label for="id">{{.W.id_optional}}</label><br><input id="id" name="id" autocomplete="off"></p>
<p><button type="submit">{{.W.submit}}</button></p>
</form><p>{{.W.help}}</p></body></html>
`))

type verifyView struct {
	W                  map[string]string
	Code               string
	Result, Reason     string
	Valid              bool
	Letter             *letterseal.Letter
	Desk               string
	IDChecked, IDMatch bool
}

// handleVerify serves the /verify page: GET the form, POST a letter's QR
// text (and, optionally, the ID number the bearer shows) and get 有效,
// 无效 with its reason, or 已作废.
func (h *Hub) handleVerify(w http.ResponseWriter, r *http.Request) {
	words, err := verifyWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := verifyView{W: words}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		client, _, _ := net.SplitHostPort(r.RemoteAddr)
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		switch {
		case r.ParseForm() != nil:
			status, v.Result = http.StatusBadRequest, words["invalid"]
			v.Reason = words["reason_malformed"]
		case !h.verifyLimit.allow(client, h.now()):
			status, v.Result = http.StatusTooManyRequests, words["too_many"]
		default:
			v.Code = r.PostForm.Get("code")
			s, err := h.VerifyLetter(r.Context(), "verify:"+client, v.Code)
			v.describe(s, err, r.PostForm.Get("id"))
			if err != nil && !letterseal.IsRefusal(err) {
				h.fail(w, r, err)
				return
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := verifyPage.Execute(w, v); err != nil {
		h.log.ErrorContext(r.Context(), "verify page", "err", err)
	}
}

// describe fills the result of a check.
func (v *verifyView) describe(s *letterseal.Sealed, err error, id string) {
	w := v.W
	if s != nil {
		v.Letter = &s.Letter
		v.Desk = s.Cert.Office + " " + s.Cert.Desk
		if id = strings.TrimSpace(id); id != "" {
			v.IDChecked, v.IDMatch = true, s.Letter.MatchesID(id)
		}
	}
	switch {
	case err == nil:
		v.Result, v.Valid = w["valid"], true
	case errors.Is(err, letterseal.ErrVoid):
		v.Result = w["void"]
	default:
		v.Result, v.Reason = w["invalid"], w["reason_"+reasonKey(err)]
	}
}

// reasonKey names the translation of a refusal's reason.
func reasonKey(err error) string {
	switch {
	case errors.Is(err, letterseal.ErrTampered):
		return "tampered"
	case errors.Is(err, letterseal.ErrUncertified):
		return "uncertified"
	case errors.Is(err, letterseal.ErrExpired):
		return "expired"
	}
	return "malformed"
}
