// Package hub is vetdesk-hub, the central server of a city: an
// http.Handler speaking the syncapi protocol, and its storage.
//
// # Storage
//
// The hub keeps two SQLite files in its data folder:
//
//   - replica.db is a vetdesk store (package store) holding every case of
//     the city. The hub reuses the store package for its replica, so the
//     per-field merge (last writer by HLC, device id as tie-break) is
//     written once and runs the same on desktops and on the hub: a
//     deliberate design decision. Its op log is the change feed: the
//     store assigns each op's sequence inside the single writing
//     transaction, so a pull cursor never skips an op committed late by
//     a concurrent pusher.
//   - hub.db holds what only the hub knows: enrolment codes, devices and
//     the hashes of their tokens, department API keys, webhooks and their
//     pending deliveries, overwrite notices and the marks of cases still
//     to derive.
//   - snapshots/ holds, per office with at least SnapshotMinCases cases,
//     a store file of its cases (store.WriteSnapshot), its gzip copy and
//     a JSON record, taken up again after a restart (snapshot.go).
//
// Both files are owner-only. Enrolments, revocations and snapshots served
// are entered in the replica's hash-chained audit log; user changes are
// audited by the store itself.
//
// # Protocol
//
// Push (POST syncapi.PathPush): a batch of the device's own ops. Under one
// lock the hub classifies every op (duplicate when the replica holds its
// id; rejected with a reason when outside the device's scope or role;
// accepted otherwise) and applies the accepted ones with one
// store.ApplyRemote, which is one transaction; a re-sent batch is all
// duplicates and changes nothing. Ownership: the fields and materials of a
// case belong to its intake office (the device's office must be the
// case's office); a task's state, reason and result belong to its
// department (a handler of that department, or an admin or supervisor,
// must have written the op). Department devices may also write the
// derived fields (case state, task release); the hub recomputes those from
// the whole case after each batch (derive.go), since a department sees
// only part of a case. The cases a batch touches are marked in hub.db
// before the batch is applied and derived (and their webhook events
// queued) after it, or at the next Open, so a crash in between loses no
// task release and no event. An op stamped more than
// Options.MaxClockDrift ahead of the hub's clock is rejected with
// syncapi.ReasonClock before anything else (clock.go): a wrong clock would
// otherwise win its fields for good; RepairClock re-stamps those taken
// before, with restamp ops that flow down the feed.
//
// Pull (GET syncapi.PathPull): the ops after the device's cursor, paged,
// scoped: a station's office's cases; for a department, the cases with a
// task of that department, only its own tasks, no materials, and of the
// case's form values only those its items ask for. When a case enters a
// department's scope (a task of the department is created) its earlier
// ops come along. Users flow down the same feed, so login works offline;
// a user's change of office, department, role or disabling reaches every
// device, trimmed to those fields outside the user's scope, and a user who
// enters a device's scope brings their earlier ops. With syncapi.QueryOwn
// a device restored from a backup gets its own ops back too.
//
// Snapshot (GET syncapi.PathSnapshot, then the file by range): an empty
// station desktop of a large office starts from the office's snapshot and
// pulls the feed after its sequence, instead of merging the whole feed op
// by op (seconds instead of minutes at 100,000 cases). KeepSnapshots builds
// them ahead of requests and refreshes them in the background.
//
// Overwrite notices: when a pushed op beats a value that another device
// wrote and the pusher had not yet pulled, the loser gets a notice in the
// page that carries the winning op and records it as a conflict. Notices
// are stored as pending before the batch is applied and settled after it
// (or at the next Open), so a crash between the two files loses none. With the
// store's own rule (a remote value beating a local unsynced one) every
// concurrent differing write is listed on the device whose value lost.
//
// Attachments are uploaded once per SHA-256 and office, resumably (HEAD
// tells the offset of the device's own unfinished upload, PUT with
// Content-Range appends to it), verified before they are published, and
// downloaded on demand by the station devices of an office that uploaded
// them (attach.go); a reference in a case grants no download.
//
// Serve runs the handler with read and write timeouts, longer deadlines
// only for authenticated pushes and transfers, and a connection cap
// (serve.go); ops and field values have size limits and pull pages a byte
// bound (limits.go).
//
// Departments' own systems use an API keyed per department (dept.go);
// their actions run through casework's lifecycle on the replica, so they
// flow to desktops as ops. Webhooks (webhook.go) are signed with
// HMAC-SHA256, persisted in hub.db and retried with exponential backoff,
// also across restarts. Keys are known by id (DeptKeyID, DeptKeys); a
// webhook belongs to its key and is removed, with its deliveries, when the
// key is revoked.
//
// A code enrols only a device id the hub does not know; an enrolled id is
// enrolled again only with a code made for it (EnrolSpec.ForDevice).
//
// The package logs only at the top, through the slog.Logger of Options:
// in its HTTP handlers (one structured record per request, failures in
// full once) and in the webhook worker RunWebhooks.
//
// # Known limits
//
// Users reach the devices of their office, or of their department and office
// (and admins and city-level users reach all); a user moved to another office stays on the
// old office's devices with its last values.
package hub
