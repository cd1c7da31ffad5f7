package hub

import (
	"context"
	"fmt"

	"vetdesk/store"
)

// ClockRepair tells what RepairClock did.
type ClockRepair = store.RestampResult

// RepairClock gives every op of the replica stamped more than
// Options.MaxClockDrift ahead of the hub's clock a new stamp at the hub's
// clock: ops accepted before the hub refused such stamps, or while the
// hub's own clock was wrong. Each repair is a restamp op (written by the
// hub, stamped in the same order as the ops it repairs and after every
// other op), so no field changes value; the ops only stop outranking every
// later edit. The restamp ops get new feed sequences and reach every
// device that holds (or later receives) the ops, including the devices
// that wrote them, and their merge takes the new stamps, so no device keeps
// the old one. The repair is audited with who ran it.
func (h *Hub) RepairClock(ctx context.Context, admin string) (ClockRepair, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	res, err := h.db.RestampFuture(ctx, hubActor.UserID)
	if err != nil {
		return res, err
	}
	detail := fmt.Sprintf("restamped=%d bound=%s", res.Ops, h.opt.MaxClockDrift)
	if res.Ops > 0 {
		detail += fmt.Sprintf(" latest_before=%s new=%s..%s", res.Latest.Time().Format("2006-01-02T15:04:05.000Z"),
			res.From, res.To)
	}
	err = h.db.Audit(ctx, store.AuditEntry{UserID: admin, Login: admin, Action: "repair clock",
		Target: "ops stamped ahead of the hub", Success: true, Detail: detail})
	if err != nil {
		return res, fmt.Errorf("clock repaired (%s) but not audited: %w", detail, err)
	}
	return res, nil
}
