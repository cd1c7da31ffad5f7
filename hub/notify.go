package hub

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// The notifier (#13): messages to veterans, one template per event, kept
// in hub.db's notice outbox, sent through an HTTP SMS gateway, retried
// until delivered or out of attempts, and every one shown on the case's
// progress page whatever became of its delivery.
//
// Notices are found by reading the replica's op log from a cursor kept in
// hub.db (the cases an op touched since, as they stand now) and queued
// under a key naming the fact (the case, the task's return and its time,
// the letter's number): queuing and moving the cursor are one transaction
// of hub.db, and a key queued twice is one notice, so a crash loses none
// and sends none twice. A hub that starts the notifier for the first time
// starts at the log's end: no notices for history.

// Notice events, one template each (assets/translations portal.sms.*).
const (
	NoticeAppointment = "appointment" // 网上申请 通过: when and where, what to bring
	NoticeReturned    = "returned"    // a task returned for 补正
	NoticeDone        = "done"        // the case 办结
	NoticeLetter      = "letter"      // the hukou letter is ready
	NoticeAppReturned = "app_returned"
)

// Notice states: pending (to send), sent, failed (out of attempts, kept
// and shown), page (no gateway or no phone: shown on the page only).
const (
	NoticePending = "pending"
	NoticeSent    = "sent"
	NoticeFailed  = "failed"
	NoticePage    = "page"
)

// SMSGateway is where the notifier posts messages: a JSON body
// {"id","phone","text","event","sent_at"} signed like the webhooks
// (syncapi.HeaderSignature: HMAC-SHA256 of the body under Secret, with
// syncapi.HeaderTimestamp and the notice id as syncapi.HeaderDelivery for
// the gateway's idempotency). A 2xx answer means accepted.
type SMSGateway struct {
	URL    string
	Secret []byte
}

// smsBody is what the gateway receives.
type smsBody struct {
	ID     string    `json:"id"`
	Phone  string    `json:"phone"`
	Text   string    `json:"text"`
	Event  string    `json:"event"`
	SentAt time.Time `json:"sent_at"`
}

// noticeSchema is the notifier's part of hub.db.
const noticeSchema = `
CREATE TABLE IF NOT EXISTS notices (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL,
    event       TEXT NOT NULL,
    phone       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    state       TEXT NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    sent_at     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS notices_due ON notices (state, next_at);
CREATE INDEX IF NOT EXISTS notices_case ON notices (case_id, created_at);
CREATE TABLE IF NOT EXISTS notice_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;
`

// smsTemplates are the message templates by event.
var smsTemplates = sync.OnceValues(func() (map[string]*template.Template, error) {
	b, err := assets.Translations.ReadFile("translations/zh-Hans.json")
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for k, v := range all {
		if ev, ok := strings.CutPrefix(k, "portal.sms."); ok {
			t, err := template.New(ev).Option("missingkey=error").Parse(v)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", k, err)
			}
			out[ev] = t
		}
	}
	return out, nil
})

// noticeText fills event's template.
func noticeText(event string, vars map[string]string) (string, error) {
	ts, err := smsTemplates()
	if err != nil {
		return "", err
	}
	t := ts[event]
	if t == nil {
		return "", fmt.Errorf("no template for notice %q", event)
	}
	var b strings.Builder
	if err := t.Execute(&b, vars); err != nil {
		return "", fmt.Errorf("notice %s: %w", event, err)
	}
	return b.String(), nil
}

// queuedNotice is a notice about to be queued.
type queuedNotice struct {
	id, caseID, event, phone, body string
}

// newNotice fills event's template for case c (its number, station, and
// vars) to go to the veteran's phone.
func (h *Hub) newNotice(id string, c *casework.Case, event string, vars map[string]string) (queuedNotice, error) {
	v := map[string]string{"Number": c.Number, "Station": h.stationName(c)}
	for k, x := range vars {
		v[k] = x
	}
	body, err := noticeText(event, v)
	if err != nil {
		return queuedNotice{}, err
	}
	return queuedNotice{id: id, caseID: c.ID, event: event, phone: c.Value(casework.FieldPhone), body: body}, nil
}

// queueNotices inserts ns in tx, each once (a key already queued is
// skipped), as pending when there is a gateway and a phone to send to,
// else for the page only.
func (h *Hub) queueNotices(ctx context.Context, tx *sql.Tx, ns []queuedNotice) error {
	now := h.now().UnixMilli()
	for _, n := range ns {
		state := NoticePending
		if h.opt.SMS == nil || n.phone == "" {
			state = NoticePage
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (id, case_id, event, phone, body, created_at, next_at, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, n.id, n.caseID, n.event, n.phone, n.body, now, now, state); err != nil {
			return fmt.Errorf("queue notice: %w", err)
		}
	}
	return nil
}

// Notify queues one notice about case c now (for events the op log does
// not show, such as an appointment): key names the fact, so a second call
// with it queues nothing.
func (h *Hub) Notify(ctx context.Context, key string, c *casework.Case, event string, vars map[string]string) error {
	n, err := h.newNotice(key, c, event, vars)
	if err != nil {
		return err
	}
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := h.queueNotices(ctx, tx, []queuedNotice{n}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	h.wakeNotices()
	return nil
}

// wakeNotices tells the notifier that the replica changed.
func (h *Hub) wakeNotices() {
	select {
	case h.noticeKick <- struct{}{}:
	default:
	}
}

// scanNotices queues the notices of the ops written since the cursor and
// moves it on, a page at a time; it reports how many it queued.
func (h *Hub) scanNotices(ctx context.Context) (int, error) {
	var cursor int64
	err := h.meta.QueryRowContext(ctx, `SELECT seq FROM notice_cursor WHERE id = 1`).Scan(&cursor)
	if errors.Is(err, sql.ErrNoRows) {
		high, err := h.db.FeedHigh(ctx)
		if err != nil {
			return 0, err
		}
		_, err = h.meta.ExecContext(ctx, `INSERT INTO notice_cursor (id, seq) VALUES (1, ?) ON CONFLICT DO NOTHING`, high)
		return 0, err
	} else if err != nil {
		return 0, fmt.Errorf("notice cursor: %w", err)
	}
	queued := 0
	for {
		ops, next, err := h.db.OpsAfter(ctx, cursor, 500)
		if err != nil {
			return queued, err
		}
		if len(ops) == 0 {
			return queued, nil
		}
		ns, err := h.noticesOf(ctx, ops)
		if err != nil {
			return queued, err
		}
		tx, err := h.meta.BeginTx(ctx, nil)
		if err != nil {
			return queued, err
		}
		if err := h.queueNotices(ctx, tx, ns); err != nil {
			tx.Rollback()
			return queued, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notice_cursor SET seq = ? WHERE id = 1`, next); err != nil {
			tx.Rollback()
			return queued, err
		}
		if err := tx.Commit(); err != nil {
			return queued, err
		}
		queued += len(ns)
		cursor = next
	}
}

// noticesOf returns the notices ops call for, as their cases stand now:
// a task an op returned for 补正 (once per return), a case an op made
// 办结, a hukou letter issued (once per letter number). A task returned
// before (still so) is not told again when something else of its case
// changes.
func (h *Hub) noticesOf(ctx context.Context, ops []store.Op) ([]queuedNotice, error) {
	type touched struct {
		returned map[string]bool
		done     bool
		letters  []string
	}
	var ids []string
	cases := map[string]*touched{}
	for _, op := range ops {
		if op.CaseID == "" {
			continue
		}
		var tc *touched
		get := func() *touched {
			if tc = cases[op.CaseID]; tc == nil {
				tc = &touched{returned: map[string]bool{}}
				cases[op.CaseID] = tc
				ids = append(ids, op.CaseID)
			}
			return tc
		}
		switch {
		case op.Entity == store.EntityTask && op.Fields["state"] == string(casework.TaskReturned):
			get().returned[strings.TrimPrefix(op.EntityID, op.CaseID+"/")] = true
		case op.Entity == store.EntityCase && op.Fields["state"] == string(casework.CaseDone):
			get().done = true
		case op.Entity == store.EntityEvent && op.Fields["action"] == store.EventLetter:
			get().letters = append(get().letters, op.Fields["detail"])
		}
	}
	var out []queuedNotice
	for _, id := range ids {
		tc := cases[id]
		c, err := h.db.Case(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if c.Number == "" || c.State == casework.CaseDraft {
			continue
		}
		add := func(key, event string, vars map[string]string) error {
			n, err := h.newNotice(key, c, event, vars)
			if err == nil {
				out = append(out, n)
			}
			return err
		}
		for _, t := range c.Tasks {
			if t.State != casework.TaskReturned || !tc.returned[t.Item] {
				continue
			}
			key := "returned/" + c.ID + "/" + t.Item + "/" + strconv.FormatInt(t.UpdatedAt.UnixNano(), 10)
			if err := add(key, NoticeReturned, map[string]string{"Item": h.itemName(t.Item), "Reason": scrubPersonal(t.Reason)}); err != nil {
				return nil, err
			}
		}
		if c.State == casework.CaseDone && tc.done {
			if err := add("done/"+c.ID, NoticeDone, nil); err != nil {
				return nil, err
			}
		}
		for _, number := range tc.letters {
			if err := add("letter/"+c.ID+"/"+number, NoticeLetter, map[string]string{"Letter": number}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (h *Hub) itemName(code string) string {
	if it := h.cat.Item(code); it != nil {
		return it.Name
	}
	return code
}

// RunNotices runs the notifier until ctx ends: it queues the notices of
// what changed (woken by pushes and department actions, and every half
// minute) and sends the due ones through the gateway, retrying a failure
// after the webhooks' backoff (Options.WebhookBackoff doubled up to
// WebhookMaxBackoff) until Options.WebhookAttempts, after which the
// notice is failed: logged, kept and still shown on the page.
func (h *Hub) RunNotices(ctx context.Context) {
	for {
		wait := 30 * time.Second
		if _, err := h.scanNotices(ctx); err != nil && ctx.Err() == nil {
			h.log.ErrorContext(ctx, "notifier", slog.Any("err", err))
		}
		if next, err := h.sendDueNotices(ctx); err != nil && ctx.Err() == nil {
			h.log.ErrorContext(ctx, "notifier", slog.Any("err", err))
		} else if next > 0 {
			wait = min(wait, next)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-h.noticeKick:
		case <-t.C:
		}
		t.Stop()
	}
}

// sendDueNotices sends the due notices once each and returns how long
// until the next is due (0: none pending).
func (h *Hub) sendDueNotices(ctx context.Context) (time.Duration, error) {
	if h.opt.SMS == nil {
		return 0, nil
	}
	type due struct {
		id, phone, body, event string
		attempts               int
	}
	rows, err := h.meta.QueryContext(ctx, `SELECT id, phone, body, event, attempts FROM notices
		WHERE state = ? AND next_at <= ? ORDER BY next_at LIMIT 100`, NoticePending, h.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("due notices: %w", err)
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.phone, &d.body, &d.event, &d.attempts); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	for _, d := range list {
		err := h.sendSMS(ctx, smsBody{ID: d.id, Phone: d.phone, Text: d.body, Event: d.event})
		if ctx.Err() != nil {
			return 0, nil
		}
		if err == nil {
			h.log.InfoContext(ctx, "notice sent", slog.String("notice", d.id), slog.String("event", d.event), slog.Int("attempt", d.attempts+1))
			if _, err := h.meta.ExecContext(ctx, `UPDATE notices SET state = ?, attempts = attempts + 1, last_error = '', sent_at = ? WHERE id = ?`,
				NoticeSent, h.now().UnixMilli(), d.id); err != nil {
				return 0, err
			}
			continue
		}
		attempts, state := d.attempts+1, NoticePending
		if attempts >= h.webhookAttempts() {
			state = NoticeFailed
		}
		h.log.WarnContext(ctx, "notice not sent", slog.String("notice", d.id), slog.String("event", d.event),
			slog.Int("attempt", attempts), slog.String("state", state), slog.Any("err", err))
		if _, err := h.meta.ExecContext(ctx, `UPDATE notices SET attempts = ?, next_at = ?, state = ?, last_error = ? WHERE id = ?`,
			attempts, h.now().Add(h.backoff(attempts)).UnixMilli(), state, err.Error(), d.id); err != nil {
			return 0, err
		}
	}
	var next int64
	if err := h.meta.QueryRowContext(ctx, `SELECT coalesce(min(next_at), 0) FROM notices WHERE state = ?`, NoticePending).Scan(&next); err != nil {
		return 0, err
	}
	if next == 0 {
		return 0, nil
	}
	return max(time.UnixMilli(next).Sub(h.now()), 10*time.Millisecond), nil
}

// sendSMS posts one message to the gateway, signed.
func (h *Hub) sendSMS(ctx context.Context, m smsBody) error {
	sent := h.now().UTC().Truncate(time.Second)
	m.SentAt = sent
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.opt.SMS.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(syncapi.HeaderSignature, syncapi.Sign(h.opt.SMS.Secret, body))
	req.Header.Set(syncapi.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(syncapi.HeaderDelivery, m.ID)
	client := h.opt.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway: status %d", resp.StatusCode)
	}
	return nil
}

// CaseNotice is a notice as the progress page shows it.
type CaseNotice struct {
	Event   string
	Body    string
	Created time.Time
	State   string
}

// CaseNotices returns the notices of case id, oldest first.
func (h *Hub) CaseNotices(ctx context.Context, id string) ([]CaseNotice, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT event, body, created_at, state FROM notices WHERE case_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("case notices: %w", err)
	}
	defer rows.Close()
	var out []CaseNotice
	for rows.Next() {
		var n CaseNotice
		var at int64
		if err := rows.Scan(&n.Event, &n.Body, &at, &n.State); err != nil {
			return nil, err
		}
		n.Created = time.UnixMilli(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// NoticeCounts returns how many notices are in each state.
func (h *Hub) NoticeCounts(ctx context.Context) (map[string]int, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT state, count(*) FROM notices GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
