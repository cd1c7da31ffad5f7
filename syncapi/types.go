package syncapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// HLC is a hybrid logical clock stamp: Unix milliseconds and a counter.
type HLC struct {
	Wall    int64  `json:"w"`
	Logical uint32 `json:"l,omitempty"`
}

// Op is one operation of the log as it travels: the fields one device set
// on one entity. ID (a UUIDv7 made on the device) is the idempotency key.
// Entities and their fields are described in the store package.
type Op struct {
	ID       string            `json:"id"`
	Device   string            `json:"device"`
	User     string            `json:"user"`
	HLC      HLC               `json:"hlc"`
	Entity   string            `json:"entity"`
	EntityID string            `json:"entity_id"`
	CaseID   string            `json:"case_id,omitempty"`
	Fields   map[string]string `json:"fields"`
	// Sig is the SM2 signature (ASN.1, SM3 with the default user id) of
	// the op's canonical encoding by its user's key (version 5 on): the
	// hub refuses a pushed op without one that verifies against the user's
	// sign_pub. Ops in the feed carry none.
	Sig []byte `json:"sig,omitempty"`
}

// Device kinds.
const (
	KindStation    = "station"    // a counter: sees its office's cases
	KindDepartment = "department" // a department's desktop: sees its tasks
)

// EnrolRequest trades a one-time code for a device credential.
type EnrolRequest struct {
	Code     string `json:"code"`
	DeviceID string `json:"device_id"` // the store's device id
	// DeviceCode is the short code the device wants for its case numbers;
	// empty lets the hub choose. The hub refuses one already taken.
	DeviceCode string `json:"device_code,omitempty"`
	Name       string `json:"name,omitempty"` // host name, for the admin
}

// EnrolResponse is the device credential and where the device belongs.
type EnrolResponse struct {
	Token      string `json:"token"` // bearer token; the hub keeps only its hash
	DeviceID   string `json:"device_id"`
	DeviceCode string `json:"device_code"`
	Kind       string `json:"kind"`
	Office     string `json:"office"`
	Station    string `json:"station"`
	Department string `json:"department,omitempty"`
	HubID      string `json:"hub_id"`
	// RecoveryKey is the hub's SM2 public key (uncompressed point, hex)
	// that a desk wraps its store's master key to, so that a forgotten
	// password can be recovered through the hub (PathRecover).
	RecoveryKey string `json:"recovery_key,omitempty"`
}

// RecoverRequest asks the hub to open a desk's recovery wrap. A hub admin's
// login and password authorise it; the device id (enrolled, not revoked)
// names the desk. The device token is not asked for: it is inside the
// store the forgotten password locks.
type RecoverRequest struct {
	DeviceID      string `json:"device_id"`
	AdminLogin    string `json:"admin_login"`
	AdminPassword string `json:"admin_password"`
	ForLogin      string `json:"for_login"` // the desk user the key is recovered for, for the audit
	Wrap          string `json:"wrap"`      // the key file's recovery wrap (base64)
}

// RecoverResponse is the desk store's master key, opened (base64).
type RecoverResponse struct {
	MasterKey string `json:"master_key"`
}

// LetterKeyRequest asks the hub to certify the public half of the
// device's letter key (an SM2 point, uncompressed, in hex).
type LetterKeyRequest struct {
	PublicKey string `json:"public_key"`
}

// LetterKeyResponse is the certificate of a letter key (see
// internal/letterseal) and the hub's root public key that signed it (an
// SM2 point, uncompressed, in hex), which offline verification needs.
type LetterKeyResponse struct {
	Certificate []byte `json:"certificate"`
	RootKey     string `json:"root_key"`
}

// AuditEntry is one entry of a device's hash-chained audit log as it
// travels. At is the store's own text of the instant (the hash covers
// that text); Hash chains the entry to the one before (see store.ChainHash).
type AuditEntry struct {
	Seq     int64  `json:"seq"`
	At      string `json:"at"`
	UserID  string `json:"user_id"`
	Login   string `json:"login"`
	Action  string `json:"action"`
	Target  string `json:"target"`
	Success bool   `json:"success"`
	Detail  string `json:"detail,omitempty"`
	Hash    string `json:"hash"`
}

// AuditRecord is an entry of a device's audit as the hub holds it, with
// where the device stands, masked (GET PathAudit).
type AuditRecord struct {
	Device  string `json:"device"`
	Station string `json:"station"`
	Office  string `json:"office"`
	AuditEntry
}

// AuditList answers GET PathAudit, in time order; More: the limit cut it.
type AuditList struct {
	Entries []AuditRecord `json:"entries"`
	More    bool          `json:"more,omitempty"`
}

// AuditHead is the last entry of a chain: its sequence and hash.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// AuditPush carries the device's chain head and the entries after the
// ones the hub said it holds, oldest first (at most MaxAuditEntries).
// Entries are keyed by (device, Seq): one the hub holds with the same hash
// is a duplicate, with another hash a rewrite.
type AuditPush struct {
	Head    AuditHead    `json:"head"`
	Entries []AuditEntry `json:"entries"`
	// Key is the device's audit key (hex), under which its entries are
	// chained by HMAC-SM3 (store.KeyedPrefix hashes). The hub keeps the
	// first one it receives and verifies with it; another one later is
	// refused as a rekeyed chain. Empty while the device has none.
	Key string `json:"key,omitempty"`
}

// MaxAuditEntries is the largest AuditPush batch.
const MaxAuditEntries = 1000

// AuditPushResponse tells what the hub holds of the device's chain after
// the push (Held: the device sends the entries after it next time), and,
// when it refused the push, why (Refused, an alert for the hub's admin;
// nothing of that push was kept).
type AuditPushResponse struct {
	Held       AuditHead `json:"held"`
	Accepted   int       `json:"accepted"`
	Duplicates int       `json:"duplicates"`
	Refused    string    `json:"refused,omitempty"`
}

// PoliceStation is an addressee of the hukou letter, as the hub lists them.
type PoliceStation struct {
	Code     string `json:"code"`
	Bureau   string `json:"bureau"`
	Name     string `json:"name"`
	Division string `json:"division"`
}

// Config is what the hub tells an enrolled device besides the feed (users
// flow in the feed as user operations).
type Config struct {
	Version          Version         `json:"version"`
	CatalogueVersion string          `json:"catalogue_version"`
	PoliceStations   []PoliceStation `json:"police_stations"`
	// CatalogueFiles are the files of the hub's catalogue folder by name
	// (catalogue.json, items.json, …), sent only when the device asked with
	// a different version in QueryHaveCatalogue (version 2 on).
	CatalogueFiles map[string]string `json:"catalogue_files,omitempty"`
	Device         EnrolResponse     `json:"device"` // Token left empty
	ServerTime     time.Time         `json:"server_time"`
	// PublicURL is the hub's public site for veterans (https://…, #13),
	// empty when it serves none: the receipt's QR code holds the progress
	// page's address under it (casework.ProgressURL).
	PublicURL string `json:"public_url,omitempty"`
}

// PushRequest is a batch of the device's own operations, oldest first.
type PushRequest struct {
	// Seen is the device's pull cursor when it made the batch: the hub uses
	// it to tell which values the device had not seen (overwrite notices).
	Seen int64 `json:"seen"`
	Ops  []Op  `json:"ops"`
}

// Verdicts of pushed operations.
const (
	Accepted  = "accepted"
	Duplicate = "duplicate" // already held: nothing changed
	Rejected  = "rejected"  // see Reason; never retried
)

// OpResult is the hub's verdict on one pushed operation.
type OpResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"` // machine-readable, e.g. "scope: office"
}

// ReasonClock is the Reason of an operation stamped further ahead of the
// hub's clock than the hub allows: the device's clock is wrong (the
// desktop shows 本机时间不正确).
const ReasonClock = "clock: stamped ahead of the hub's time"

// ReasonKinds are the kinds a rejection Reason starts with ("scope: …"):
// the desktop words each kind for the clerk, so a hub that adds a kind
// adds it here too.
var ReasonKinds = []string{"clock", "size", "scope", "signature", "user", "role", "case", "task", "device", "malformed"}

// ReasonKind returns the kind of a rejection reason, "" when it has none
// of ReasonKinds.
func ReasonKind(reason string) string {
	kind, _, _ := strings.Cut(reason, ":")
	for _, k := range ReasonKinds {
		if k == kind {
			return k
		}
	}
	return ""
}

// PushResponse answers a PushRequest with one result per operation, in
// the same order.
type PushResponse struct {
	Results []OpResult `json:"results"`
}

// PullResponse is one page of the device's feed.
type PullResponse struct {
	Ops []Op `json:"ops"`
	// Next is the cursor to send next time; it never skips an operation
	// committed late by a concurrent writer.
	Next int64 `json:"next"`
	More bool  `json:"more"` // another page is ready
	// Overwrites lists values of this device that operations of this page
	// replaced without their writer having seen them. The device records
	// each as a conflict, so nothing is overwritten silently.
	Overwrites []Overwrite `json:"overwrites,omitempty"`
}

// SnapshotManifest describes the snapshot a device may start from: a
// store file (SQLite, the store's schema Schema) holding every operation
// of the office's cases up to High, with what they project. The device
// downloads it from PathSnapshotFile+ID, checks Size and SHA256, adopts it,
// applies Users (the user operations it may see, up to High) and pulls the
// feed after High.
type SnapshotManifest struct {
	ID     string `json:"id"`
	High   int64  `json:"high"`
	Cases  int    `json:"cases"`
	Ops    int    `json:"ops"`
	Schema int    `json:"schema"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// GzipSize and GzipSHA256 describe the same file gzip-compressed (about
	// a quarter of the size), served at PathSnapshotFile+ID with
	// QueryGzip=1; 0 when the hub has none.
	GzipSize   int64  `json:"gzip_size,omitempty"`
	GzipSHA256 string `json:"gzip_sha256,omitempty"`
	// Key is the hex of the 32-byte key the file is sealed with (SM4-XTS of
	// internal/sealvfs); empty: a plaintext file (a hub without a key). The
	// device rekeys the file to its own key before adopting it.
	Key   string `json:"key,omitempty"`
	Users []Op   `json:"users"`
}

// Overwrite is a concurrent write that beat one of the device's values
// after the device had already pushed it.
type Overwrite struct {
	Entity     string `json:"entity"`
	EntityID   string `json:"entity_id"`
	CaseID     string `json:"case_id,omitempty"`
	Field      string `json:"field"`
	LocalOp    string `json:"local_op"` // the device's op that lost
	LocalValue string `json:"local_value"`
	RemoteOp   string `json:"remote_op"` // the op that won
	Value      string `json:"value"`
}

// Error is the body of every non-2xx answer.
type Error struct {
	Code    string `json:"code"` // machine-readable: see the Err* constants
	Message string `json:"message"`
}

// Error codes.
const (
	ErrBadRequest   = "bad_request"
	ErrUnauthorized = "unauthorized" // unknown or revoked credential
	ErrCodeUsed     = "code_used"    // enrolment code unknown, used or expired
	ErrCodeTaken    = "device_code_taken"
	ErrEnrolled     = "device_enrolled" // the device id is enrolled; re-enrolment needs a code made for it
	ErrTooOld       = "protocol_too_old"
	ErrNotFound     = "not_found"
	ErrConflict     = "conflict"
	ErrInternal     = "internal"
)

// DeptTask is a task as the department API shows it: the case fields the
// item needs, unmasked, since the department works with them.
type DeptTask struct {
	CaseID     string            `json:"case_id"`
	CaseNumber string            `json:"case_number"`
	Item       string            `json:"item"`
	State      string            `json:"state"`
	Reason     string            `json:"reason,omitempty"`
	Due        time.Time         `json:"due,omitzero"`
	Started    time.Time         `json:"started,omitzero"`
	Values     map[string]string `json:"values"`
	Result     map[string]string `json:"result,omitempty"`
}

// DeptTaskList answers GET PathDeptTasks.
type DeptTaskList struct {
	Tasks []DeptTask `json:"tasks"`
}

// DeptAction is the body of a department task action: Result for
// complete, Reason for return and refuse.
type DeptAction struct {
	Result map[string]string `json:"result,omitempty"`
	Reason string            `json:"reason,omitempty"`
}

// Webhook event types.
const (
	EventTaskChanged = "task.changed"
)

// Event is the body of a webhook delivery.
type Event struct {
	ID         string    `json:"id"` // same as HeaderDelivery
	Type       string    `json:"type"`
	Department string    `json:"department"`
	CaseID     string    `json:"case_id"`
	CaseNumber string    `json:"case_number,omitempty"`
	Item       string    `json:"item"`
	State      string    `json:"state"`
	At         time.Time `json:"at"`      // when the change was applied
	SentAt     time.Time `json:"sent_at"` // this attempt; equals HeaderTimestamp
}

// Sign returns the HeaderSignature value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header is a valid HeaderSignature of
// body under secret, comparing in constant time.
func VerifySignature(secret, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Fingerprint normalises a certificate fingerprint as printed by the hub
// ("AB:CD:…" or "abcd…") to lower-case hex without separators.
func Fingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
}

// PathApplications lists a station's 网上申请 (GET, its office's);
// PathApplications + "{id}" takes the desk's decision on one (POST
// ApplicationDecision) (#13).
const PathApplications = "/v1/applications/"

// Application is a veteran's online application (网上申请), made on the
// hub's public site or pushed by a provincial portal.
type Application struct {
	ID          string            `json:"id"`
	Number      string            `json:"number"` // W<office>-<year>-<seq>, what the veteran is told
	Office      string            `json:"office"`
	Items       []string          `json:"items"`
	Values      map[string]string `json:"values"`
	Uploads     []Upload          `json:"uploads,omitempty"`
	State       string            `json:"state"` // submitted, approved, returned, taken (an intake was made of it)
	Appointment *Appointment      `json:"appointment,omitempty"`
	Reasons     string            `json:"reasons,omitempty"` // why it was returned
	Source      string            `json:"source"`            // web, or portal:<key id>
	CaseNumber  string            `json:"case_number,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// Application states.
const (
	AppSubmitted = "submitted"
	AppApproved  = "approved"
	AppReturned  = "returned"
	AppTaken     = "taken"
)

// Upload is one scan of an application: the material it is for and the
// SHA-256 of its content, fetched like any attachment.
type Upload struct {
	Material string `json:"material"`
	Hash     string `json:"hash"`
	Type     string `json:"type"` // image/jpeg, image/png, application/pdf: by content
	Size     int64  `json:"size"`
}

// Appointment is when and where the veteran comes, and what to bring:
// the checklist less the uploads the desk accepted.
type Appointment struct {
	Date      string   `json:"date"` // 2026-12-03
	Time      string   `json:"time"` // 09:30
	Place     string   `json:"place"`
	Materials []string `json:"materials,omitempty"` // names
}

// ApplicationDecision is the desk's 通过 (approve, with the appointment
// and the material codes whose uploads it accepted), 退回 (return, with
// reasons) or the note that an intake was made of it (taken, with the
// case number).
type ApplicationDecision struct {
	Action      string       `json:"action"` // approve, return, taken
	Appointment *Appointment `json:"appointment,omitempty"`
	Accepted    []string     `json:"accepted,omitempty"`
	Reasons     string       `json:"reasons,omitempty"`
	CaseNumber  string       `json:"case_number,omitempty"`
}

// PortalApplication is what a provincial portal (爱山东) posts to the
// hub's public site at PathPortalApplications: the same fields as the web
// form, scans inline. It is signed: HeaderPortalKey names the key,
// HeaderTimestamp (Unix seconds, within 5 minutes of the hub's clock) and
// HeaderPortalNonce (unique per request) go into the signature,
// HeaderSignature = Sign(secret, timestamp + "\n" + nonce + "\n" + body); a
// nonce seen before is a replay and refused.
type PortalApplication struct {
	Office  string            `json:"office"`
	Items   []string          `json:"items"`
	Values  map[string]string `json:"values"`
	Uploads []PortalUpload    `json:"uploads,omitempty"`
}

// PortalUpload is one scan inline (base64 in JSON).
type PortalUpload struct {
	Material string `json:"material"`
	Data     []byte `json:"data"`
}

// PortalReceipt is the hub's answer to an accepted application.
type PortalReceipt struct {
	Number string `json:"number"`
	Code   string `json:"code"` // the look-up code to give the veteran
	URL    string `json:"url,omitempty"`
}

// PortalProblem is one reason an application was refused, worded.
type PortalProblem struct {
	Field   string `json:"field,omitempty"`
	Item    string `json:"item,omitempty"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// The inbound portal API.
const (
	PathPortalApplications = "/api/portal/v1/applications"
	HeaderPortalKey        = "X-Vetdesk-Key"
	HeaderPortalNonce      = "X-Vetdesk-Nonce"
)

// PortalSigned is the text a portal request's signature covers.
func PortalSigned(timestamp, nonce string, body []byte) []byte {
	return append([]byte(timestamp+"\n"+nonce+"\n"), body...)
}
