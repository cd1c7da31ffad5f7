// Package syncapi holds the wire types of the protocol between vetdesk
// desktops (and departments' own systems) and vetdesk-hub, the protocol
// version with its dated history, and the HTTP paths and headers both
// sides use. It imports the standard library only, so that the hub and the
// client agree on one definition and a newer hub keeps serving older
// desktops.
package syncapi

// Version is a protocol version: an integer that only grows. A client sends
// the version it speaks in the HeaderVersion header of every request; the
// hub answers in the version the client asked for, refusing with
// http.StatusUpgradeRequired a client older than MinVersion.
//
// Like tailscale's tailcfg.CapabilityVersion, every bump is recorded below
// with its date and what changed, so that a hub can tell what an old client
// understands. Never reuse or renumber an entry.
//
//   - 1: 2026-11-28: first version: enrolment with a one-time code and a
//     pinned certificate, users and catalogue version flowing down, push
//     of operation batches with a per-operation verdict, scoped pull by
//     feed cursor with overwrite notices, resumable content-addressed
//     attachments, the department API and signed webhooks.
//   - 2: 2026-11-29: GET PathConfig takes QueryHaveCatalogue, the catalogue
//     version the device holds, and the answer carries the catalogue files
//     when the hub's differs. Version 1 clients ask nothing and get none.
//   - 3: 2026-11-29: GET PathSnapshot: an empty desktop of an office may
//     fetch a snapshot (a store file of the office's cases up to a feed
//     sequence, downloaded by range from PathSnapshotFile) and go on with
//     the feed from that sequence. Older clients never ask and pull the
//     whole feed, as before; a hub answering 404 means "use the feed".
//     The file also comes gzip-compressed (QueryGzip=1) when the manifest
//     says so. PathPull takes QueryOwn=1: the device's own operations come too (a
//     device restored from a backup fetches what it wrote since); older
//     hubs ignore it.
//   - 4: 2026-12-01: clocks. A pushed op stamped more than the hub's drift
//     bound (vetdesk-hub serve -max-clock-drift, 5 min by default) ahead of
//     the hub's clock is rejected with ReasonClock. The feed may carry
//     restamp ops (entity "restamp", written only by the hub's
//     repair-clock): the op named by entity_id takes the stamp in fields
//     "wall" and "logical". Clients before 4 refuse restamp ops as
//     malformed and keep ordering those ops by their old stamps until
//     upgraded. The desktop compares its clock with Config.ServerTime (in
//     every version) at every round.
//   - 5: 2026-12-01: pushed ops are signed (Op.Sig) by their user's SM2
//     key, unlocked at login with the password; user records carry
//     sign_pub and sign_key (the private half wrapped under the password).
//     A device may push one user op: a user's first key (sign_pub,
//     sign_key), signed by that key, for a user in its scope who has none.
//     The hub refuses POST PathPush from clients before version 5 with
//     ErrTooOld (their ops stay queued until the desktop is updated, and
//     are signed when their user next logs in there); every other path
//     still serves them.
//   - 6: 2026-12-01: POST PathLetterKey: a station device sends the public
//     half of its letter key (LetterKeyRequest) and gets it certified by
//     the hub's root SM2 key, with that root public key
//     (LetterKeyResponse). A desktop asks after enrolment and at a sync
//     round while it holds no certificate for its current code and office,
//     or one ending within 90 days; an older hub answers 404 and the
//     desktop prints letters without the signed QR code.
//   - 7: 2026-12-01: POST PathAudit: a device sends its audit log
//     (AuditPush: the entries after those the hub holds, and its chain
//     head) at every round. The hub keeps each device's chain as
//     received, refuses entries or a head that do not extend the chain it
//     holds and records an alert (vetdesk-hub audit alerts). An older hub
//     answers 404 and the desk keeps its audit to itself, as before.
//   - 8: 2026-12-01: GET PathAudit: a station device reads the audit of
//     its office's devices as the hub holds it (AuditList, filtered by
//     QueryDevice, QueryLogin, QueryAction, QueryFrom, QueryTo, and
//     masked: casework.MaskAuditText), for the desk's supervisors. An
//     older hub answers 405 or 404: the desk says the hub cannot show it.
type Version int

// CurrentVersion is the version this build speaks.
const CurrentVersion Version = 8

// MinPushVersion is the oldest client version whose pushes the hub takes:
// the first that signs its ops.
const MinPushVersion Version = 5

// QueryHaveCatalogue is the query parameter of PathConfig naming the
// catalogue version the device holds.
const QueryHaveCatalogue = "have_catalogue"

// QueryGzip=1 on PathSnapshotFile asks for the gzip-compressed file.
const QueryGzip = "gzip"

// Query parameters of GET PathAudit: a device id, code or station name, a
// login, an action, and the instants (RFC 3339) the entries are from (at
// or after) and to (before); QueryLimit caps the entries (at most 5000).
const (
	QueryDevice = "device"
	QueryLogin  = "login"
	QueryAction = "action"
	QueryFrom   = "from"
	QueryTo     = "to"
	QueryLimit  = "limit"
)

// QueryOwn=1 on PathPull asks for the device's own operations too.
const QueryOwn = "own"

// MinVersion is the oldest client version the hub still serves.
const MinVersion Version = 1

// Headers.
const (
	// HeaderVersion carries the client's Version (decimal).
	HeaderVersion = "Vetdesk-Protocol"
	// HeaderUploadOffset answers a HEAD or a refused PUT of an attachment
	// with the number of bytes the hub holds of an unfinished upload.
	HeaderUploadOffset = "Upload-Offset"
	// HeaderSignature signs a webhook body: "sha256=" + hex HMAC-SHA256 of
	// the body with the webhook's secret.
	HeaderSignature = "X-Vetdesk-Signature"
	// HeaderTimestamp is the webhook's send time, Unix seconds; the same
	// instant is inside the signed body (Event.SentAt), so a receiver can
	// refuse stale replays.
	HeaderTimestamp = "X-Vetdesk-Timestamp"
	// HeaderDelivery is the id of a webhook delivery, the same on every
	// retry, so a receiver can drop duplicates.
	HeaderDelivery = "X-Vetdesk-Delivery"
)

// HTTP paths of the hub. Paths ending in "/" take an argument.
const (
	PathHealth       = "/healthz"
	PathEnrol        = "/v1/enrol"
	PathConfig       = "/v1/config"
	PathPush         = "/v1/push"
	PathPull         = "/v1/pull"         // ?after=<cursor>&limit=<n>
	PathSnapshot     = "/v1/snapshot"     // GET: SnapshotManifest, or 404 ErrNotFound: use the feed
	PathSnapshotFile = "/v1/snapshot/"    // + SnapshotManifest.ID: GET, with Range
	PathAttachments  = "/v1/attachments/" // + SHA-256 hex: HEAD, PUT, GET
	PathDeptTasks    = "/v1/dept/tasks"   // GET ?state=; + "/<case id>/<item>/<action>" POST
	PathRecover      = "/v1/recover"      // POST RecoverRequest: a desk's master key back (#12)
	PathLetterKey    = "/v1/letter-key"   // POST LetterKeyRequest: LetterKeyResponse
	PathAudit        = "/v1/audit"        // POST AuditPush: AuditPushResponse (version 7); GET: AuditList (version 8)
)

// Department task actions, the last element of a POST under PathDeptTasks.
const (
	ActionTake     = "take"
	ActionComplete = "complete"
	ActionReturn   = "return"
	ActionRefuse   = "refuse"
)
