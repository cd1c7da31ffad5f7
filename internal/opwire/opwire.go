// Package opwire converts operations between the store's form and the wire
// form of syncapi, for the hub and the sync client alike. (syncapi stays
// standard library only and the store knows nothing of the wire.)
package opwire

import (
	"vetdesk/internal/opsig"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// ToStore converts a wire op to the store's form.
func ToStore(o syncapi.Op) store.Op {
	return store.Op{ID: o.ID, Device: o.Device, User: o.User, HLC: store.HLC{Wall: o.HLC.Wall, Logical: o.HLC.Logical},
		Entity: o.Entity, EntityID: o.EntityID, CaseID: o.CaseID, Fields: o.Fields, Sig: o.Sig}
}

// ToWire converts a store op to the wire form.
func ToWire(o store.Op) syncapi.Op {
	return syncapi.Op{ID: o.ID, Device: o.Device, User: o.User, HLC: syncapi.HLC{Wall: o.HLC.Wall, Logical: o.HLC.Logical},
		Entity: o.Entity, EntityID: o.EntityID, CaseID: o.CaseID, Fields: o.Fields, Sig: o.Sig}
}

// ToSig returns the part of a wire op its signature covers.
func ToSig(o syncapi.Op) opsig.Op {
	return opsig.Op{ID: o.ID, Device: o.Device, User: o.User, Wall: o.HLC.Wall, Logical: o.HLC.Logical,
		Entity: o.Entity, EntityID: o.EntityID, CaseID: o.CaseID, Fields: o.Fields}
}
