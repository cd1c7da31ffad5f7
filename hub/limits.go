package hub

import (
	"fmt"

	"vetdesk/syncapi"
)

// Size limits below the body cap. Real ops are far smaller: of 300
// generated cases with every item, the largest field value was 121 bytes
// (the item list) and the largest op 1.7 KB (a case's creation, 52
// fields); a note or reason of 2,000 Chinese characters is 6 KB, and a
// material's list of 100 scans 6.6 KB.
const (
	// MaxFieldValue is the largest field value a push may carry, in bytes.
	MaxFieldValue = 8 << 10
	// MaxOpBytes bounds an op's ids, field names and values together.
	MaxOpBytes = 64 << 10
	// MaxPullBytes ends a pull page once its ops hold this many bytes
	// (at least one op per page), whatever the op count.
	MaxPullBytes = 4 << 20
	// maxPushBody is the largest push body: a full batch of the largest ops.
	maxPushBody = MaxPushOps * (MaxOpBytes + 1<<10) // with the JSON around each op
)

// Reasons of rejection for size.
var (
	ReasonFieldSize = fmt.Sprintf("size: a field value is over %d bytes", MaxFieldValue)
	ReasonOpSize    = fmt.Sprintf("size: op is over %d bytes", MaxOpBytes)
)

// opBytes is the size of an op as the limits count it: its ids, field
// names and values.
func opBytes(op syncapi.Op) int {
	n := len(op.ID) + len(op.Device) + len(op.User) + len(op.Entity) + len(op.EntityID) + len(op.CaseID)
	for k, v := range op.Fields {
		n += len(k) + len(v)
	}
	return n
}

// sizeReason returns why op is too large, or "".
func sizeReason(op syncapi.Op) string {
	for k, v := range op.Fields {
		if len(v) > MaxFieldValue || len(k) > MaxFieldValue {
			return ReasonFieldSize
		}
	}
	if opBytes(op) > MaxOpBytes {
		return ReasonOpSize
	}
	return ""
}
