package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// Pull page sizes.
const (
	DefaultPullLimit = 1000
	MaxPullLimit     = 5000
	pullChunk        = 250 // ops read from the replica at a time
)

func (h *Hub) handlePull(w http.ResponseWriter, r *http.Request, d deviceRec) {
	q := r.URL.Query()
	after, err := strconv.ParseInt(q.Get("after"), 10, 64)
	if err != nil && q.Get("after") != "" {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "after must be a number")
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	resp, err := h.pull(r.Context(), d.ID, after, limit, q.Get(syncapi.QueryOwn) == "1")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// Pull returns the page of deviceID's feed after cursor after. The page's
// range is bounded by the highest sequence committed when the read began,
// so a page that ends short of limit moves the cursor to that mark, and a
// later commit always gets a higher sequence: the cursor skips nothing.
func (h *Hub) Pull(ctx context.Context, deviceID string, after int64, limit int) (syncapi.PullResponse, error) {
	return h.pull(ctx, deviceID, after, limit, false)
}

// pull is Pull; with own, the device's own ops come too (a device restored
// from a backup fetches what it wrote after the backup).
func (h *Hub) pull(ctx context.Context, deviceID string, after int64, limit int, own bool) (syncapi.PullResponse, error) {
	if limit <= 0 {
		limit = DefaultPullLimit
	}
	limit = min(limit, MaxPullLimit)
	d, err := h.deviceByID(ctx, deviceID)
	if err != nil {
		return syncapi.PullResponse{}, err
	}
	// Under the write lock, so every overwrite notice of an op at or below
	// high is already stored.
	h.mu.Lock()
	high, err := h.db.FeedHigh(ctx)
	h.mu.Unlock()
	if err != nil {
		return syncapi.PullResponse{}, err
	}
	if after > high {
		after = high // a cursor from a restored hub: start over from its end
	}
	sc := store.FeedScope{Office: d.Office, Department: d.Department}
	resp := syncapi.PullResponse{Next: high, Ops: []syncapi.Op{}}
	sent := map[int64]bool{}
	// The page is read in chunks and ends at limit ops or MaxPullBytes,
	// whichever comes first, so neither the page nor what is read for it
	// grows with the size of the ops.
	cur, taken, size := after, 0, 0
	for {
		want := min(limit-taken, pullChunk)
		fops, err := h.db.FeedAfter(ctx, cur, high, want, sc)
		if err != nil {
			return syncapi.PullResponse{}, err
		}
		for _, f := range fops {
			n, err := h.addWithScope(ctx, &resp, d, f, sent, own)
			if err != nil {
				return syncapi.PullResponse{}, err
			}
			cur, taken, size = f.Seq, taken+1, size+n
			if taken == limit || size >= MaxPullBytes {
				break
			}
		}
		if taken == limit || size >= MaxPullBytes {
			resp.Next = cur
			resp.More = cur < high
			break
		}
		if len(fops) < want {
			break // the feed's end up to high
		}
	}
	if resp.Overwrites, err = h.overwritesFor(ctx, d, after, resp.Next); err != nil {
		return syncapi.PullResponse{}, err
	}
	return resp, nil
}

// addWithScope adds f to the page as add does, preceded by the earlier ops
// that come along when f brings a case or a user into d's scope. It
// returns the bytes it added.
func (h *Hub) addWithScope(ctx context.Context, resp *syncapi.PullResponse, d deviceRec, f store.FeedOp, sent map[int64]bool, own bool) (int, error) {
	n := 0
	if d.Department != "" && f.Entity == store.EntityTask && f.TaskDept == d.Department && f.Fields["department"] != "" {
		// the case enters the department's scope: its earlier ops come along
		earlier, err := h.db.CaseFeedBefore(ctx, f.CaseID, f.Seq, d.Department)
		if err != nil {
			return 0, err
		}
		for _, e := range earlier {
			n += h.add(resp, d, e, sent, own)
		}
	}
	if f.Entity == store.EntityUser && movesInto(d, f) {
		// the user enters the device's scope: their earlier ops come along
		earlier, err := h.db.UserOpsBefore(ctx, f.Op.EntityID, f.Seq)
		if err != nil {
			return 0, err
		}
		for _, e := range earlier {
			n += h.add(resp, d, e, sent, own)
		}
	}
	return n + h.add(resp, d, f, sent, own), nil
}

// add appends f to the page when d may see it, trimmed to what d may see;
// d's own ops only with own. It returns the bytes it added (opBytes).
func (h *Hub) add(resp *syncapi.PullResponse, d deviceRec, f store.FeedOp, sent map[int64]bool, own bool) int {
	if sent[f.Seq] || (!own && f.Device == d.ID) {
		return 0
	}
	op, ok := h.scoped(d, f)
	if !ok {
		return 0
	}
	sent[f.Seq] = true
	w := toWire(op)
	resp.Ops = append(resp.Ops, w)
	return opBytes(w)
}

// movesInto reports whether user op f puts its user into d's scope.
func movesInto(d deviceRec, f store.FeedOp) bool {
	if d.Department == "" {
		o, ok := f.Fields["office"]
		return ok && o == d.Office && f.UserOffice == d.Office
	}
	_, dep := f.Fields["department"]
	_, off := f.Fields["office"]
	return (dep || off) && f.UserDept == d.Department && f.UserOffice == d.Office
}

// userScopeFields are what every device is told of a user outside its
// scope when they change: enough to stop a user who moved away or was
// disabled from logging in where they were, nothing to log in with.
var userScopeFields = []string{"office", "department", "role", "disabled"}

// scoped returns the op as device d may see it, or false.
func (h *Hub) scoped(d deviceRec, f store.FeedOp) (store.Op, bool) {
	op := f.Op
	if op.Entity == store.EntityRestamp && op.CaseID == "" {
		return op, true // a new stamp for a user op: no value in it
	}
	if op.Entity == store.EntityUser {
		// A department device sees in full only its department's users of
		// its own office: the department spans offices, its logins do not.
		if f.UserRole == store.RoleAdmin || f.UserOffice == "" ||
			(d.Department == "" && f.UserOffice == d.Office) ||
			(d.Department != "" && f.UserDept == d.Department && f.UserOffice == d.Office) {
			return op, true
		}
		if _, created := op.Fields["login"]; created {
			return op, false // a user of another scope: nothing to tell
		}
		trimmed := map[string]string{}
		for _, k := range userScopeFields {
			if v, ok := op.Fields[k]; ok {
				trimmed[k] = v
			}
		}
		op.Fields = trimmed
		return op, len(trimmed) > 0
	}
	if d.Department == "" {
		return op, f.Office == d.Office
	}
	switch op.Entity {
	case store.EntityMaterial:
		return op, false
	case store.EntityTask:
		return op, f.TaskDept == d.Department
	case store.EntityCase:
		need := map[string]bool{}
		for _, it := range f.Items {
			if item := h.cat.Item(it); item != nil {
				for _, fl := range item.Fields {
					need[fl.Code] = true
				}
			}
		}
		fields := make(map[string]string, len(op.Fields))
		for k, v := range op.Fields {
			if code, ok := strings.CutPrefix(k, "v:"); ok && !need[code] {
				continue
			}
			fields[k] = v
		}
		if len(fields) == 0 {
			return op, false
		}
		op.Fields = fields
		return op, true
	}
	return op, true // events
}

// overwritesFor returns the overwrite notices filed for device d in
// (after, next] that d may see in its current scope: a notice holds the
// field's values, so one filed while the device id belonged elsewhere, or
// on a case that has since left its office or department, is not served.
func (h *Hub) overwritesFor(ctx context.Context, d deviceRec, after, next int64) ([]syncapi.Overwrite, error) {
	rows, err := h.meta.QueryContext(ctx, `SELECT entity, entity_id, case_id, field, local_op, local_val, remote_op, value
		FROM overwrites WHERE device = ? AND winner_seq > ? AND winner_seq <= ? ORDER BY id`, d.ID, after, next)
	if err != nil {
		return nil, fmt.Errorf("overwrite notices: %w", err)
	}
	var all []syncapi.Overwrite
	for rows.Next() {
		var o syncapi.Overwrite
		if err := rows.Scan(&o.Entity, &o.EntityID, &o.CaseID, &o.Field, &o.LocalOp, &o.LocalValue, &o.RemoteOp, &o.Value); err != nil {
			rows.Close()
			return nil, fmt.Errorf("overwrite notices: %w", err)
		}
		all = append(all, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overwrite notices: %w", err)
	}
	var out []syncapi.Overwrite
	cases := map[string]*casework.Case{}
	for _, o := range all {
		c, ok := cases[o.CaseID]
		if !ok {
			c, err = h.db.Case(ctx, o.CaseID)
			if errors.Is(err, store.ErrNotFound) {
				c, err = nil, nil
			} else if err != nil {
				return nil, fmt.Errorf("overwrite notices: %w", err)
			}
			cases[o.CaseID] = c
		}
		if c != nil && h.noticeInScope(d, c, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// noticeInScope reports whether device d may see notice o on case c: the
// feed's own rule (scoped) applied to the field as the case stands now.
func (h *Hub) noticeInScope(d deviceRec, c *casework.Case, o syncapi.Overwrite) bool {
	f := store.FeedOp{Op: store.Op{Entity: o.Entity, EntityID: o.EntityID, CaseID: o.CaseID,
		Fields: map[string]string{o.Field: o.Value}}, Office: c.Office}
	if d.Department != "" {
		for _, t := range c.Tasks {
			if t.Department == d.Department {
				f.Items = append(f.Items, t.Item)
			}
			if o.Entity == store.EntityTask && o.EntityID == c.ID+"/"+t.Item {
				f.TaskDept = t.Department
			}
		}
		if len(f.Items) == 0 {
			return false // the feed sends a department only cases with a task of its own
		}
	}
	if o.Entity == store.EntityUser || o.Entity == store.EntityEvent {
		return false // notices are about case fields only
	}
	_, ok := h.scoped(d, f)
	return ok
}
