package hub

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
	"vetdesk/syncapi"
)

// queueCaseEvents inserts, within tx, one delivery per webhook of the
// task's department for every task of c named in items, and reports
// whether it inserted any.
func (h *Hub) queueCaseEvents(ctx context.Context, tx *sql.Tx, c *casework.Case, items map[string]bool, now time.Time) (bool, error) {
	queued := false
	for _, t := range c.Tasks {
		if !items[t.Item] {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM webhooks WHERE department = ?`, t.Department)
		if err != nil {
			return false, fmt.Errorf("queue webhook: %w", err)
		}
		var hooks []int64
		for rows.Next() {
			var hk int64
			if err := rows.Scan(&hk); err != nil {
				rows.Close()
				return false, fmt.Errorf("queue webhook: %w", err)
			}
			hooks = append(hooks, hk)
		}
		rows.Close()
		for _, hk := range hooks {
			ev := syncapi.Event{ID: uuid.NewString(), Type: syncapi.EventTaskChanged, Department: t.Department,
				CaseID: c.ID, CaseNumber: c.Number, Item: t.Item, State: string(t.State), At: now}
			body, err := json.Marshal(ev)
			if err != nil {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, hook, body, next_at) VALUES (?, ?, ?, ?)`,
				ev.ID, hk, body, now.UnixMilli()); err != nil {
				return false, fmt.Errorf("queue webhook: %w", err)
			}
			queued = true
		}
	}
	return queued, nil
}

// wakeWebhooks tells the worker that deliveries are due.
func (h *Hub) wakeWebhooks() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// RunWebhooks delivers the queued webhook events until ctx ends: due
// deliveries are posted, signed; a failure (an error or a non-2xx answer)
// is retried after a delay that doubles from Options.WebhookBackoff up to
// Options.WebhookMaxBackoff, and given up after Options.WebhookAttempts.
// Deliveries live in hub.db, so a restart continues them. Failures are
// logged here: this is the top of the worker.
func (h *Hub) RunWebhooks(ctx context.Context) {
	for {
		wait, err := h.deliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			h.log.ErrorContext(ctx, "webhook worker", slog.Any("err", err))
			wait = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-h.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// deliverDue sends the due deliveries once each and returns how long until
// the next one is due.
func (h *Hub) deliverDue(ctx context.Context) (time.Duration, error) {
	now := h.now()
	type due struct {
		id, url, secret string
		body            []byte
		attempts        int
	}
	rows, err := h.meta.QueryContext(ctx, `SELECT d.id, w.url, w.secret, d.body, d.attempts FROM deliveries d
		JOIN webhooks w ON w.id = d.hook WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY d.next_at LIMIT 100`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("due deliveries: %w", err)
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.url, &d.secret, &d.body, &d.attempts); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	for _, d := range list {
		// a key revoked since the list was read took its deliveries along
		var live int
		if err := h.meta.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE id = ? AND state = 'pending'`, d.id).Scan(&live); err != nil {
			return 0, err
		}
		if live == 0 {
			continue
		}
		err := h.deliver(ctx, d.url, []byte(d.secret), d.id, d.body)
		if ctx.Err() != nil {
			return 0, nil
		}
		if err == nil {
			_, err = h.meta.ExecContext(ctx, `UPDATE deliveries SET state = 'done', attempts = attempts + 1, last_error = '' WHERE id = ?`, d.id)
			if err != nil {
				return 0, err
			}
			continue
		}
		attempts := d.attempts + 1
		state := "pending"
		if attempts >= h.webhookAttempts() {
			state = "failed"
		}
		h.log.WarnContext(ctx, "webhook delivery failed", slog.String("delivery", d.id), slog.String("url", d.url),
			slog.Int("attempt", attempts), slog.String("state", state), slog.Any("err", err))
		next := h.now().Add(h.backoff(attempts)).UnixMilli()
		if _, err := h.meta.ExecContext(ctx, `UPDATE deliveries SET attempts = ?, next_at = ?, state = ?, last_error = ? WHERE id = ?`,
			attempts, next, state, err.Error(), d.id); err != nil {
			return 0, err
		}
	}
	var next int64
	err = h.meta.QueryRowContext(ctx, `SELECT coalesce(min(next_at), 0) FROM deliveries WHERE state = 'pending'`).Scan(&next)
	if err != nil {
		return 0, err
	}
	if next == 0 {
		return time.Minute, nil
	}
	return max(time.Until(time.UnixMilli(next)), 10*time.Millisecond), nil
}

func (h *Hub) webhookAttempts() int {
	if h.opt.WebhookAttempts > 0 {
		return h.opt.WebhookAttempts
	}
	return 20
}

// backoff is the delay after the n-th failed attempt.
func (h *Hub) backoff(n int) time.Duration {
	base, top := h.opt.WebhookBackoff, h.opt.WebhookMaxBackoff
	if base <= 0 {
		base = 5 * time.Second
	}
	if top <= 0 {
		top = time.Hour
	}
	d := base
	for i := 1; i < n && d < top; i++ {
		d *= 2
	}
	return min(d, top)
}

// deliver posts one event, re-stamping its SentAt and signing the body.
func (h *Hub) deliver(ctx context.Context, url string, secret []byte, id string, stored []byte) error {
	var ev syncapi.Event
	if err := json.Unmarshal(stored, &ev); err != nil {
		return fmt.Errorf("delivery %s: %w", id, err)
	}
	sent := h.now().UTC().Truncate(time.Second)
	ev.SentAt = sent
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(syncapi.HeaderSignature, syncapi.Sign(secret, body))
	req.Header.Set(syncapi.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(syncapi.HeaderDelivery, id)
	client := h.opt.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", url, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// DeliveryCounts returns how many deliveries are pending, done and failed.
func (h *Hub) DeliveryCounts(ctx context.Context) (pending, done, failed int, err error) {
	err = h.meta.QueryRowContext(ctx, `SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'done'), 0),
		coalesce(sum(state = 'failed'), 0) FROM deliveries`).Scan(&pending, &done, &failed)
	return
}
