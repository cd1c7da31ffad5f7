package syncclient

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"vetdesk/internal/opwire"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// maxPages bounds the pages one pull pass takes, so a round always ends.
const maxPages = 100000

// toStore and toWire are the one conversion of ops between store and wire.
var (
	toStore = opwire.ToStore
	toWire  = opwire.ToWire
)

// do sends a request to the hub and decodes a JSON answer into out (when
// not nil). A non-2xx answer is a *HubError.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	return c.doVia(ctx, c.http, method, path, body, out)
}

// doVia is do with another client (one without an overall timeout).
func (c *Client) doVia(ctx context.Context, hc *http.Client, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.sendVia(hc, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// send adds the protocol headers, sends, and turns non-2xx answers into
// *HubError (closing their body).
func (c *Client) send(req *http.Request) (*http.Response, error) {
	return c.sendVia(c.http, req)
}

// sendVia is send with another client (one without an overall timeout).
func (c *Client) sendVia(hc *http.Client, req *http.Request) (*http.Response, error) {
	req.Header.Set(syncapi.HeaderVersion, strconv.Itoa(int(syncapi.CurrentVersion)))
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 == 2 || (req.Method == http.MethodHead && resp.StatusCode == http.StatusNotFound) {
		return resp, nil
	}
	defer resp.Body.Close()
	he := &HubError{Status: resp.StatusCode}
	var e syncapi.Error
	if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e) == nil {
		he.Code, he.Msg = e.Code, e.Message
	}
	return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, he)
}

// pullAll pulls pages until the hub has no more, applying each page and
// saving the cursor after it. The next page is fetched while the current
// one is merged, so the hub's read and the transfer overlap the local
// writes.
func (c *Client) pullAll(ctx context.Context) error {
	cur, err := c.cursor(ctx)
	if err != nil {
		return err
	}
	// A store restored from a backup lacks what this device wrote since:
	// the feed is read again from the start with the device's own ops.
	// SettingRefetchOwn keeps that going across rounds until the feed's end.
	restored, err := c.st.Setting(ctx, store.SettingRestored)
	if err != nil {
		return err
	}
	if restored != "" {
		for _, kv := range [][2]string{{SettingCursor, "0"}, {SettingRefetchOwn, "1"}, {store.SettingRestored, ""}} {
			if err := c.st.SetSetting(ctx, kv[0], kv[1]); err != nil {
				return err
			}
		}
		cur = 0
	}
	own := ""
	if v, err := c.st.Setting(ctx, SettingRefetchOwn); err != nil {
		return err
	} else if v == "1" {
		own = "&" + syncapi.QueryOwn + "=1"
	}
	complete := false
	page := c.cfg.PullPage
	if page <= 0 {
		page = 1000
	}
	type fetched struct {
		resp syncapi.PullResponse
		err  error
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched, 1)
	go func() { // the fetcher: follows the hub's cursor, one page ahead
		defer close(pages)
		after := cur
		for range maxPages {
			var f fetched
			path := fmt.Sprintf("%s?after=%d&limit=%d%s", syncapi.PathPull, after, page, own)
			f.err = c.do(fctx, http.MethodGet, path, nil, &f.resp)
			select {
			case pages <- f:
			case <-fctx.Done():
				return
			}
			if f.err != nil || !f.resp.More {
				return
			}
			after = f.resp.Next
		}
	}()
	for f := range pages {
		if f.err != nil {
			return f.err
		}
		resp := f.resp
		if len(resp.Ops) > 0 {
			ops := make([]store.Op, len(resp.Ops))
			for i, o := range resp.Ops {
				ops[i] = toStore(o)
			}
			if _, err := c.st.ApplyRemote(ctx, ops); err != nil {
				return fmt.Errorf("apply pulled ops: %w", err)
			}
		}
		for _, ow := range resp.Overwrites {
			_, err := c.st.NoteOverwrite(ctx, store.Conflict{Entity: ow.Entity, EntityID: ow.EntityID, CaseID: ow.CaseID,
				Field: ow.Field, LocalValue: ow.LocalValue, RemoteValue: ow.Value, LocalOp: ow.LocalOp, RemoteOp: ow.RemoteOp})
			if err != nil {
				return err
			}
		}
		if resp.Next != cur {
			cur = resp.Next
			if err := c.st.SetSetting(ctx, SettingCursor, strconv.FormatInt(cur, 10)); err != nil {
				return err
			}
		}
		if err := c.advanceBase(ctx, cur); err != nil {
			return err
		}
		c.refreshCounts(ctx)
		complete = !resp.More
	}
	if own != "" && complete {
		return c.st.SetSetting(ctx, SettingRefetchOwn, "")
	}
	return nil
}

// pushAll pushes the outbox in batches and returns how many ops the hub
// took (accepted or already held).
func (c *Client) pushAll(ctx context.Context) (int, error) {
	batch := c.cfg.PushBatch
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for range maxPages {
		ops, err := c.st.Outbox(ctx, batch)
		if err != nil {
			return total, err
		}
		if len(ops) == 0 {
			return total, nil
		}
		if err := c.uploadFor(ctx, ops); err != nil {
			return total, err
		}
		seen, err := c.base(ctx)
		if err != nil {
			return total, err
		}
		req := syncapi.PushRequest{Seen: seen, Ops: make([]syncapi.Op, len(ops))}
		for i, o := range ops {
			req.Ops[i] = toWire(o)
		}
		var resp syncapi.PushResponse
		if err := c.do(ctx, http.MethodPost, syncapi.PathPush, req, &resp); err != nil {
			return total, err
		}
		if len(resp.Results) != len(ops) {
			return total, fmt.Errorf("push: %d results for %d ops", len(resp.Results), len(ops))
		}
		var ack []string
		aside := map[string]int{} // reason kind -> ops set aside
		var firstAside string
		for i, r := range resp.Results {
			if r.ID != ops[i].ID {
				return total, fmt.Errorf("push: result %d is for op %s, want %s", i, r.ID, ops[i].ID)
			}
			switch r.Status {
			case syncapi.Accepted, syncapi.Duplicate:
				ack = append(ack, r.ID)
			case syncapi.Rejected:
				if err := c.st.SetAside(ctx, r.ID, r.Reason); err != nil {
					return total, err
				}
				aside[cmp.Or(syncapi.ReasonKind(r.Reason), "other")]++
				if firstAside == "" {
					firstAside = r.ID + ": " + r.Reason
				}
				if r.Reason == syncapi.ReasonClock { // held nowhere else: its values must not outrank the hub's here
					if err := c.st.Retract(ctx, r.ID); err != nil {
						return total, err
					}
				}
			default:
				return total, fmt.Errorf("push: op %s: unknown status %q", r.ID, r.Status)
			}
		}
		if err := c.st.Ack(ctx, ack); err != nil {
			return total, err
		}
		if len(aside) > 0 {
			if err := c.auditSetAside(ctx, aside, firstAside); err != nil {
				return total, err
			}
		}
		total += len(ack)
		c.refreshCounts(ctx)
	}
	return total, nil
}

// attachmentsOf returns the attachment hashes material ops refer to.
func attachmentsOf(ops []store.Op) []string {
	var out []string
	for _, o := range ops {
		if o.Entity != store.EntityMaterial || o.Fields["attachments"] == "" {
			continue
		}
		var hs []string
		if json.Unmarshal([]byte(o.Fields["attachments"]), &hs) == nil {
			out = append(out, hs...)
		}
	}
	return out
}

// uploadFor makes sure the hub holds every attachment the ops refer to and
// this device has.
func (c *Client) uploadFor(ctx context.Context, ops []store.Op) error {
	for _, h := range attachmentsOf(ops) {
		if c.uploaded[h] || !c.st.HasAttachment(h) {
			continue
		}
		if err := c.Upload(ctx, h); err != nil {
			return err
		}
		c.uploaded[h] = true
	}
	return nil
}

// Upload sends the local attachment hash to the hub, once: it asks (HEAD)
// what the hub holds and sends only the rest, with Content-Range, so an
// upload cut off resumes where it stopped.
func (c *Client) Upload(ctx context.Context, hash string) error {
	if err := c.connect(ctx); err != nil {
		return err
	}
	for attempt := 0; attempt < 3; attempt++ {
		off, done, err := c.remoteOffset(ctx, hash)
		if err != nil || done {
			return err
		}
		err = c.putFrom(ctx, hash, off)
		var he *HubError
		if err == nil {
			return nil
		}
		if !errors.As(err, &he) || he.Status != http.StatusConflict {
			return err
		}
		// 409: the hub holds a different offset; ask again
	}
	return fmt.Errorf("upload %s: offset keeps moving", hash)
}

func (c *Client) remoteOffset(ctx context.Context, hash string) (int64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, c.url+syncapi.PathAttachments+hash, nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := c.send(req)
	if err != nil {
		return 0, false, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return 0, true, nil
	}
	off, _ := strconv.ParseInt(resp.Header.Get(syncapi.HeaderUploadOffset), 10, 64)
	return off, false, nil
}

func (c *Client) putFrom(ctx context.Context, hash string, off int64) error {
	rc, err := c.st.OpenAttachment(hash)
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("upload %s: %w", hash, err)
	}
	size := int64(len(data))
	if off > size {
		off = 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.url+syncapi.PathAttachments+hash, bytes.NewReader(data[off:]))
	if err != nil {
		return err
	}
	req.ContentLength = size - off
	if size > 0 {
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, size-1, size))
	}
	resp, err := c.send(req)
	if err != nil {
		return fmt.Errorf("upload %s: %w", hash, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return fmt.Errorf("upload %s: hub holds only part", hash)
	}
	return nil
}

// FetchAttachment downloads attachment hash from the hub into the store,
// on demand (when a screen or a print needs a scan this device lacks).
func (c *Client) FetchAttachment(ctx context.Context, hash string) error {
	if c.st.HasAttachment(hash) {
		return nil
	}
	if err := c.connect(ctx); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+syncapi.PathAttachments+hash, nil)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := c.st.PutAttachment(ctx, resp.Body)
	if err != nil {
		return fmt.Errorf("fetch attachment %s: %w", hash, err)
	}
	if got != hash {
		return fmt.Errorf("fetch attachment %s: content hashes to %s", hash, got)
	}
	return nil
}

// base is the cursor up to which every op in the outbox was written
// knowing the hub's feed: the cursor when the outbox was last empty. A push
// sends it as Seen, so the hub can tell which values the pushed ops
// replaced unseen. It errs on the safe side: an op written after a pull
// that happened while older ops were waiting counts as not having seen
// that pull, which can list a conflict the clerk had in fact seen, never
// hide one.
func (c *Client) base(ctx context.Context) (int64, error) {
	v, err := c.st.Setting(ctx, SettingBase)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// advanceBase moves the base to cur when the outbox is empty.
func (c *Client) advanceBase(ctx context.Context, cur int64) error {
	waiting, err := c.st.Outbox(ctx, 1)
	if err != nil || len(waiting) > 0 {
		return err
	}
	return c.st.SetSetting(ctx, SettingBase, strconv.FormatInt(cur, 10))
}

// ActionSetAside is the audit action of ops the hub rejected and the desk
// set aside: one entry per push batch that had any.
const ActionSetAside = "sync.set_aside"

// auditSetAside records the ops of one batch set aside: how many of each
// reason kind, and the first one with its reason.
func (c *Client) auditSetAside(ctx context.Context, kinds map[string]int, first string) error {
	n := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		n += kinds[k]
		parts = append(parts, fmt.Sprintf("%s=%d", k, kinds[k]))
	}
	return c.st.Audit(ctx, store.AuditEntry{UserID: "sync", Login: "sync", Action: ActionSetAside, Target: strconv.Itoa(n),
		Success: false, Detail: strings.Join(parts, " ") + "; first " + first})
}
