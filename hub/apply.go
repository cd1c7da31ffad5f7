package hub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// 网上申请 (#13): the veteran picks items and the office, fills the
// unified form those items ask for (casework.BuildForm, the desk's form),
// uploads scans, and gets an application number and look-up code. The
// station's desks list their office's applications, approve them with an
// appointment or return them with reasons; the notifier tells the veteran.
// A provincial portal posts the same through the signed inbound API.

// Upload limits of an application: per scan, scans, the whole request.
const (
	MaxScanBytes     = 10 << 20
	MaxScansPerApp   = 20
	maxApplyBody     = MaxScansPerApp*MaxScanBytes + 1<<20
	portalClockSkew  = 5 * time.Minute
	portalNonceKeep  = 2 * portalClockSkew
	csrfCookie       = "vd_csrf"
	appNoticePrefix  = "app:"
	appCodeAlphabet  = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	appCodeLen       = 6
	appNumberPattern = "W%s-%04d-%06d"
)

// scanTypes are the content types a scan may have, by content.
var scanTypes = map[string]bool{"image/jpeg": true, "image/png": true, "application/pdf": true}

const applySchema = `
CREATE TABLE IF NOT EXISTS applications (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    code_hash   TEXT NOT NULL,
    office      TEXT NOT NULL,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS applications_office ON applications (office, state);
CREATE TABLE IF NOT EXISTS portal_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS portal_nonces (
    key_id TEXT NOT NULL,
    nonce  TEXT NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (key_id, nonce)
) STRICT;
`

// ErrApplication is matched by the refusals of an application the veteran
// (or the portal) can put right.
var ErrApplication = errors.New("application refused")

// appInput is an application before it is checked and stored.
type appInput struct {
	office string
	items  []string
	values map[string]string
	scans  []scanIn
	source string
}

type scanIn struct {
	material, name string
	data           []byte
}

// appRefusal is why an application was not taken: problems of the form
// (worded as the desk words them) or a bad upload.
type appRefusal struct {
	Problems []syncapi.PortalProblem
}

func (r *appRefusal) Error() string {
	var b []string
	for _, p := range r.Problems {
		b = append(b, p.Field+p.Item+": "+p.Message)
	}
	return "application refused: " + strings.Join(b, "; ")
}

func (r *appRefusal) Is(target error) bool { return target == ErrApplication }

// problemWords are the desk's wording of validation problems
// (translations problem.*), as templates.
var problemWords = func() func() (map[string]*template.Template, error) {
	var once struct {
		m   map[string]*template.Template
		err error
		ok  bool
	}
	return func() (map[string]*template.Template, error) {
		if once.ok {
			return once.m, once.err
		}
		once.ok = true
		all, err := allWords()
		if err != nil {
			once.err = err
			return nil, err
		}
		once.m = map[string]*template.Template{}
		for k, v := range all {
			if r, ok := strings.CutPrefix(k, "problem."); ok {
				t, err := template.New(r).Parse(v)
				if err != nil {
					once.err = err
					return nil, err
				}
				once.m[r] = t
			}
		}
		return once.m, nil
	}
}()

// problemText words p as the desk does (ui.ProblemText): codes in Arg
// become labels.
func (h *Hub) problemText(p casework.Problem) string {
	ts, err := problemWords()
	if err != nil {
		return p.Reason
	}
	arg := p.Arg
	switch p.Reason {
	case casework.ReasonDateOrder, casework.ReasonItemCondition, casework.ReasonOptionGroup:
		if f := h.cat.Field(arg); f != nil {
			arg = f.Label
		}
	case casework.ReasonItemDependency:
		if it := h.cat.Item(arg); it != nil {
			arg = it.Name
		}
	}
	t := ts[p.Reason]
	if t == nil {
		return p.Reason
	}
	var b strings.Builder
	if t.Execute(&b, map[string]any{"Arg": arg, "Limit": p.Limit}) != nil {
		return p.Reason
	}
	return b.String()
}

// checkApplication normalises the values of in (as the desk does), keeps
// only the fields the items' form asks, and validates it as a draft case
// by casework.Validate; it returns the draft, or the problems that block
// it (errors only: warnings are the desk's to weigh).
func (h *Hub) checkApplication(in appInput) (*casework.Case, error) {
	now := h.now()
	c := casework.NewCase(uuid.NewString(), h.cat, in.office, now)
	var ref []syncapi.PortalProblem
	if d := h.cat.Division(in.office); d == nil || d.Kind == "city" {
		ref = append(ref, syncapi.PortalProblem{Field: "office", Reason: casework.ReasonDivision, Message: h.problemText(casework.Problem{Reason: casework.ReasonDivision})})
	}
	for k, v := range in.values {
		c.Values[k] = h.cat.NormalizeValue(k, v)
	}
	c.Values[casework.FieldDivision] = in.office
	form := casework.BuildForm(h.cat, in.items, c.Values)
	for k := range c.Values {
		if form.Field(k) == nil && k != casework.FieldDivision {
			delete(c.Values, k)
		}
	}
	for k, v := range c.Values {
		if v == "" {
			delete(c.Values, k)
		}
	}
	c.SetItems(h.cat, in.items)
	for _, p := range casework.Validate(h.cat, c, now) {
		if p.Severity == casework.SeverityError {
			ref = append(ref, syncapi.PortalProblem{Field: p.Field, Item: p.Item, Reason: p.Reason, Message: h.problemText(p)})
		}
	}
	checklist := map[string]bool{}
	for _, l := range casework.BuildChecklist(h.cat, in.items, c.Values).Lines {
		checklist[l.Material.Code] = true
	}
	words, _ := publicWords()
	if len(in.scans) > MaxScansPerApp {
		ref = append(ref, syncapi.PortalProblem{Reason: "too_many_scans", Message: words["apply_too_many_scans"]})
	}
	for _, s := range in.scans {
		if why := checkScan(s, checklist); why != "" {
			ref = append(ref, syncapi.PortalProblem{Field: "m_" + s.material, Reason: why, Message: words["apply_scan_"+why]})
		}
	}
	if len(ref) > 0 {
		return nil, &appRefusal{Problems: ref}
	}
	return c, nil
}

// checkScan returns why a scan is refused, or "": a material the
// checklist does not have, a name with a path in it, too large, or not a
// JPEG, PNG or PDF by its content (the name and the declared type are not
// believed).
func checkScan(s scanIn, checklist map[string]bool) string {
	switch {
	case !checklist[s.material]:
		return "material"
	case s.name != "" && (strings.ContainsAny(s.name, `/\`+"\x00") || strings.Contains(s.name, "..")):
		return "name"
	case len(s.data) > MaxScanBytes:
		return "size"
	case len(s.data) == 0:
		return "empty"
	case !scanTypes[scanType(s.data)]:
		return "type"
	}
	return ""
}

// scanType is a scan's content type sniffed from its bytes.
func scanType(b []byte) string {
	t := http.DetectContentType(b)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// submitApplication stores a checked application and its scans
// (content-addressed among the attachments, fetchable by the office's
// desks), and returns it with its look-up code.
func (h *Hub) submitApplication(ctx context.Context, in appInput) (syncapi.Application, string, error) {
	c, err := h.checkApplication(in)
	if err != nil {
		return syncapi.Application{}, "", err
	}
	now := h.now()
	app := syncapi.Application{ID: uuid.NewString(), Office: in.office, Items: c.Items, Values: c.Values, State: syncapi.AppSubmitted,
		Source: in.source, CreatedAt: now.UTC()}
	for _, s := range in.scans {
		hash, err := h.db.PutAttachment(ctx, bytes.NewReader(s.data))
		if err != nil {
			return app, "", err
		}
		if _, err := h.meta.ExecContext(ctx, `INSERT INTO attachment_rights (hash, office, device, granted_at) VALUES (?, ?, '', ?)
			ON CONFLICT DO NOTHING`, hash, in.office, formatTime(now)); err != nil {
			return app, "", fmt.Errorf("grant upload: %w", err)
		}
		app.Uploads = append(app.Uploads, syncapi.Upload{Material: s.material, Hash: hash, Type: scanType(s.data), Size: int64(len(s.data))})
	}
	code := randomCode()
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return app, "", err
	}
	defer tx.Rollback()
	var n int
	prefix := fmt.Sprintf("W%s-%04d-", in.office, now.In(chinaTime).Year())
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE number LIKE ? || '%'`, prefix).Scan(&n); err != nil {
		return app, "", err
	}
	app.Number = fmt.Sprintf(appNumberPattern, in.office, now.In(chinaTime).Year(), n+1)
	body, err := json.Marshal(app)
	if err != nil {
		return app, "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO applications (id, number, code_hash, office, body, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, app.ID, app.Number, codeHash(code), app.Office, string(body), app.State, now.UnixMilli(), now.UnixMilli()); err != nil {
		return app, "", fmt.Errorf("store application: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return app, "", err
	}
	h.audit(ctx, "portal:"+in.source, "application_submitted", app.Number, fmt.Sprintf("items=%d scans=%d", len(app.Items), len(app.Uploads)))
	return app, code, nil
}

func randomCode() string {
	b := make([]byte, appCodeLen)
	rand.Read(b)
	for i := range b {
		b[i] = appCodeAlphabet[int(b[i])%len(appCodeAlphabet)]
	}
	return string(b)
}

func codeHash(code string) string {
	s := sha256.Sum256([]byte("vetdesk-app-code/" + strings.ToUpper(code)))
	return hex.EncodeToString(s[:])
}

// application returns the application with number, or id when number is
// empty, and its code hash; nil when there is none.
func (h *Hub) application(ctx context.Context, number, id string) (*syncapi.Application, string, error) {
	q, arg := `SELECT body, code_hash FROM applications WHERE number = ?`, number
	if number == "" {
		q, arg = `SELECT body, code_hash FROM applications WHERE id = ?`, id
	}
	var body, hash string
	err := h.meta.QueryRowContext(ctx, q, arg).Scan(&body, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	} else if err != nil {
		return nil, "", fmt.Errorf("application: %w", err)
	}
	var app syncapi.Application
	if err := json.Unmarshal([]byte(body), &app); err != nil {
		return nil, "", err
	}
	return &app, hash, nil
}

// Applications returns the applications of office, newest first.
func (h *Hub) Applications(ctx context.Context, office string) ([]syncapi.Application, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT body FROM applications WHERE office = ? ORDER BY created_at DESC`, office)
	if err != nil {
		return nil, fmt.Errorf("applications: %w", err)
	}
	defer rows.Close()
	out := []syncapi.Application{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var a syncapi.Application
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ErrDecision is matched by a decision the application's state does not
// allow, or one missing what it needs.
var ErrDecision = errors.New("decision not allowed")

// DecideApplication records a station desk's decision on application id
// of office: 通过 with an appointment (the materials to bring are the
// checklist less the accepted uploads), 退回 with reasons, or taken (an
// intake was made). Approve and return notify the veteran.
func (h *Hub) DecideApplication(ctx context.Context, who, office, id string, d syncapi.ApplicationDecision) (syncapi.Application, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	app, _, err := h.application(ctx, "", id)
	if err != nil {
		return syncapi.Application{}, err
	}
	if app == nil || app.Office != office {
		return syncapi.Application{}, fmt.Errorf("application %s: %w", id, ErrNotFoundApp)
	}
	var event string
	vars := map[string]string{}
	switch d.Action {
	case "approve":
		if app.State != syncapi.AppSubmitted || d.Appointment == nil || d.Appointment.Date == "" || d.Appointment.Time == "" || d.Appointment.Place == "" {
			return *app, fmt.Errorf("approve %s in state %s: %w", app.Number, app.State, ErrDecision)
		}
		accepted := map[string]bool{}
		for _, m := range d.Accepted {
			accepted[m] = true
		}
		appt := *d.Appointment
		appt.Materials = nil
		for _, l := range casework.BuildChecklist(h.cat, app.Items, app.Values).Lines {
			if !accepted[l.Material.Code] {
				appt.Materials = append(appt.Materials, l.Material.Name)
			}
		}
		app.State, app.Appointment, event = syncapi.AppApproved, &appt, NoticeAppointment
		vars = map[string]string{"Date": appt.Date, "Time": appt.Time, "Place": appt.Place, "Materials": strings.Join(appt.Materials, "、")}
	case "return":
		if app.State != syncapi.AppSubmitted || strings.TrimSpace(d.Reasons) == "" {
			return *app, fmt.Errorf("return %s in state %s: %w", app.Number, app.State, ErrDecision)
		}
		app.State, app.Reasons, event = syncapi.AppReturned, d.Reasons, NoticeAppReturned
		vars["Reason"] = scrubPersonal(d.Reasons)
	case "taken":
		if app.State == syncapi.AppReturned || d.CaseNumber == "" {
			return *app, fmt.Errorf("intake of %s in state %s: %w", app.Number, app.State, ErrDecision)
		}
		app.State, app.CaseNumber = syncapi.AppTaken, d.CaseNumber
	default:
		return *app, fmt.Errorf("action %q: %w", d.Action, ErrDecision)
	}
	body, err := json.Marshal(app)
	if err != nil {
		return *app, err
	}
	if _, err := h.meta.ExecContext(ctx, `UPDATE applications SET body = ?, state = ?, updated_at = ? WHERE id = ?`,
		string(body), app.State, h.now().UnixMilli(), app.ID); err != nil {
		return *app, fmt.Errorf("decide application: %w", err)
	}
	h.audit(ctx, who, "application_"+d.Action, app.Number, app.State)
	if event != "" {
		if err := h.Notify(ctx, "app/"+app.ID+"/"+d.Action, h.appCase(app), event, vars); err != nil {
			return *app, err
		}
	}
	return *app, nil
}

// ErrNotFoundApp is returned for an application the caller may not see.
var ErrNotFoundApp = errors.New("no such application")

// appCase is the stand-in case an application's notices are filed under.
func (h *Hub) appCase(app *syncapi.Application) *casework.Case {
	station := app.Office
	if d := h.cat.Division(app.Office); d != nil {
		station = d.Name + "退役军人服务中心"
	}
	return &casework.Case{ID: appNoticePrefix + app.ID, Number: app.Number, Station: station,
		Values: map[string]string{casework.FieldPhone: app.Values[casework.FieldPhone]}}
}

// handleApplications lists the device's office's applications.
func (h *Hub) handleApplications(w http.ResponseWriter, r *http.Request, d deviceRec) {
	if d.Kind != syncapi.KindStation {
		writeError(w, http.StatusForbidden, syncapi.ErrUnauthorized, "only station desks see applications")
		return
	}
	apps, err := h.Applications(r.Context(), d.Office)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apps)
}

// handleDecision takes a station desk's decision on one application.
func (h *Hub) handleDecision(w http.ResponseWriter, r *http.Request, d deviceRec) {
	if d.Kind != syncapi.KindStation {
		writeError(w, http.StatusForbidden, syncapi.ErrUnauthorized, "only station desks decide applications")
		return
	}
	var dec syncapi.ApplicationDecision
	if err := readJSON(r, 1<<16, &dec); err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
		return
	}
	app, err := h.DecideApplication(r.Context(), "device:"+d.ID, d.Office, r.PathValue("id"), dec)
	switch {
	case errors.Is(err, ErrNotFoundApp):
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such application")
	case errors.Is(err, ErrDecision):
		writeError(w, http.StatusConflict, syncapi.ErrBadRequest, err.Error())
	case err != nil:
		h.fail(w, r, err)
	default:
		writeJSON(w, http.StatusOK, app)
	}
}

// CreatePortalKey makes the signing key of a provincial portal (name, for
// the admin): its id and secret, shown once.
func (h *Hub) CreatePortalKey(ctx context.Context, name string) (id, secret string, err error) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	id = "pk-" + uuid.NewString()[:8]
	_, err = h.meta.ExecContext(ctx, `INSERT INTO portal_keys (id, name, secret, created_at) VALUES (?, ?, ?, ?)`, id, name, secret, h.now().UnixMilli())
	if err != nil {
		return "", "", fmt.Errorf("portal key: %w", err)
	}
	h.audit(ctx, "admin", "portal_key", id, name)
	return id, secret, nil
}

// handlePortalApplication takes an application pushed by a provincial
// portal: signed by a key of CreatePortalKey, fresh (timestamp within
// 5 minutes), never seen before (nonce), then checked as the web form's.
func (h *Hub) handlePortalApplication(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2*maxApplyBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, syncapi.ErrBadRequest, "body too large")
		return
	}
	keyID, ts, nonce := r.Header.Get(syncapi.HeaderPortalKey), r.Header.Get(syncapi.HeaderTimestamp), r.Header.Get(syncapi.HeaderPortalNonce)
	var secret string
	err = h.meta.QueryRowContext(r.Context(), `SELECT secret FROM portal_keys WHERE id = ? AND revoked = 0`, keyID).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !syncapi.VerifySignature([]byte(secret), syncapi.PortalSigned(ts, nonce, body), r.Header.Get(syncapi.HeaderSignature))) {
		h.audit(r.Context(), "portal:"+keyID, "portal_refused", "", "bad key or signature")
		writeError(w, http.StatusUnauthorized, syncapi.ErrUnauthorized, "unknown key or bad signature")
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	now := h.now()
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > portalClockSkew || nonce == "" || len(nonce) > 128 {
		h.audit(r.Context(), "portal:"+keyID, "portal_refused", "", "stale timestamp or no nonce")
		writeError(w, http.StatusUnauthorized, syncapi.ErrUnauthorized, "timestamp not within 5 minutes of the hub's clock, or no nonce")
		return
	}
	if _, err := h.meta.ExecContext(r.Context(), `DELETE FROM portal_nonces WHERE at < ?`, now.Add(-portalNonceKeep).UnixMilli()); err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.meta.ExecContext(r.Context(), `INSERT INTO portal_nonces (key_id, nonce, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, keyID, nonce, now.UnixMilli())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		h.audit(r.Context(), "portal:"+keyID, "portal_refused", "", "replay")
		writeError(w, http.StatusConflict, syncapi.ErrUnauthorized, "replayed request (nonce seen before)")
		return
	}
	var pa syncapi.PortalApplication
	if err := json.Unmarshal(body, &pa); err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "body is not a PortalApplication")
		return
	}
	in := appInput{office: pa.Office, items: pa.Items, values: pa.Values, source: "portal:" + keyID}
	for _, u := range pa.Uploads {
		in.scans = append(in.scans, scanIn{material: u.Material, data: u.Data})
	}
	app, code, err := h.submitApplication(r.Context(), in)
	var ref *appRefusal
	switch {
	case errors.As(err, &ref):
		writeJSON(w, http.StatusUnprocessableEntity, ref.Problems)
	case err != nil:
		h.fail(w, r, err)
	default:
		rc := syncapi.PortalReceipt{Number: app.Number, Code: code}
		if h.opt.PublicURL != "" {
			rc.URL = applicationURL(h.opt.PublicURL, app.Number, code)
		}
		writeJSON(w, http.StatusCreated, rc)
	}
}

// applicationPath is the public page of an application.
const applicationPath = "/application"

func applicationURL(base, number, code string) string {
	return strings.TrimRight(base, "/") + applicationPath + "?n=" + number + "&c=" + code
}

// csrf returns the form token bound to the request's CSRF cookie, setting
// a new cookie when it has none.
func (h *Hub) csrf(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(csrfCookie)
	val := ""
	if err == nil && len(ck.Value) == 64 {
		val = ck.Value
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		val = hex.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: val, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	}
	return csrfToken(h.csrfKey, val)
}

func csrfToken(key []byte, cookie string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csrf/" + cookie))
	return hex.EncodeToString(m.Sum(nil))
}

// csrfOK checks a posted form's token against its cookie, and refuses a
// post from another site's page (Origin, Sec-Fetch-Site).
func (h *Hub) csrfOK(r *http.Request, token string) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	ck, err := r.Cookie(csrfCookie)
	if err != nil || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(csrfToken(h.csrfKey, ck.Value)), []byte(token)) == 1
}

// sortedItems is the catalogue's items a veteran may apply for online, in
// catalogue order.
func (h *Hub) onlineItems() []*casework.Item {
	var out []*casework.Item
	for _, code := range h.cat.ItemCodes() {
		if it := h.cat.Item(code); it != nil && !it.Off {
			out = append(out, it)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out
}
