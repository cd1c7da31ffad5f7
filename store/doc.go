// Package store is the local SQLite store of vetdesk: one file per device
// (and one for the hub, which reuses this package's merge), opened with WAL,
// foreign keys, a busy timeout and an application_id of its own, its schema
// built from the numbered migrations embedded from sql/migrations and
// tracked in user_version.
//
// # Operations and projections
//
// Every change is an operation (Op) in the append-only table ops: a UUIDv7
// id made on the device (the idempotency key), the device and user, a hybrid
// logical clock stamp (HLC), the entity and its id, and the fields it sets.
// Local and remote operations go through one merge (merge.go): per field,
// the highest (HLC, device id, op id) wins. The winning value of every field
// is kept in the table fields together with the seq of the op that wrote it;
// cases, case_items, tasks, grams (search) and users are projections rebuilt
// from fields in the same transaction, and materials is a view over fields.
// Local operations not yet acknowledged by the hub are the outbox.
//
// Entities and their fields (each op's Fields holds only the fields that
// changed; times are RFC 3339 UTC with nine fraction digits, so they sort
// as text; the empty string means unset):
//
//	case      id = case ID             number, state, office, station,
//	                                   catalogue_version, items (JSON array),
//	                                   created_at, accepted_at, closed_at,
//	                                   updated_at, created_by, withdraw_reason,
//	                                   and v:<fieldcode> per form value
//	material  id = case ID + "/" + code  status, attachments (JSON array), note
//	task      id = case ID + "/" + item  department, state, reason, started,
//	                                   due, finished, result (JSON object),
//	                                   updated_at
//	event     id = UUID, CaseID set    action, detail (facts such as
//	                                   "accept"; never merged, shown in History)
//	user      id = user ID, no CaseID  login, name, role, department, office,
//	                                   disabled ("1"/""), password (PHC string)
//
// # Device-local state
//
// The device identity (device), the HLC state (clock), settings, sequences,
// the outbox, conflicts, lock-out counters and the audit log are never
// replicated: the hub opening its own file with this package gets its own
// device id and the same merge.
//
// # Snapshots
//
// WriteSnapshot (the hub) copies the replicated tables of one office's
// cases into a new store file inside SQLite; AdoptSnapshot (an empty
// desktop) carries its device-local tables into such a file and swaps it
// in under the open DB between reads (snapshot.go). Every read goes
// through the gate for that reason: it holds the pool only while a
// statement starts.
package store
