// Package syncclient is the desktop side of sync with vetdesk-hub: Enrol
// trades a one-time code for a device credential, Client.Once runs one
// round (pull, push, pull) for `vetdesk sync`, and Client.Run repeats
// rounds with backoff and jitter in the desktop app.
//
// # What the desktop shows
//
// Client.Status returns a snapshot (Status) and Config.OnChange receives a
// new one whenever it changes: whether the hub answered the last attempt
// (Online), whether a round is running, the ops waiting in the outbox, the
// set-aside ops and unresolved conflicts (counts; the lists themselves are
// store.SetAsideOps, with each op's reason, and store.Conflicts, with both
// values), the last success, the last error and when the next attempt is
// due. OnChange runs on the sync goroutine: a Fyne screen hands it to
// fyne.Do. The store's SyncState (last push, last pull, last error) is
// kept up to date too, so a restarted app shows the truth before its
// first round. A case accepted offline says so while store.PendingCases
// lists it (ops of it still waiting for the hub).
//
// # Rounds
//
// A round pulls the device's feed page by page (applying each page with the
// store's merge, recording the hub's overwrite notices as conflicts, and
// saving the cursor after each page), then pushes the outbox in batches
// (uploading the attachments a batch refers to first), acknowledging
// accepted and duplicate ops and setting rejected ones aside with the
// hub's reason, so they never block the ones behind them (one refused for
// its clock is also retracted, store.Retract: its values stop outranking
// the hub's here), sends the audit entries the hub does not hold yet with
// the chain head (audit.go), then pulls again. Every step is idempotent, so a round cut anywhere is simply run
// again.
//
// The first round of an empty station desktop starts from the hub's
// snapshot of its office when the hub offers one (snapshot.go): download
// (gzip-compressed when offered, resumable), check, store.AdoptSnapshot,
// then the feed after the snapshot's sequence. After a restore from a
// backup (store.SettingRestored) the feed is read again from the start
// with the device's own ops, so what it wrote after the backup comes back.
package syncclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"vetdesk/store"
)

// Store is what the client needs of the local store (*store.DB).
type Store interface {
	Device(ctx context.Context) (store.Device, error)
	SetDevice(ctx context.Context, d store.Device) error
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	Outbox(ctx context.Context, limit int) ([]store.Op, error)
	Ack(ctx context.Context, ids []string) error
	SetAside(ctx context.Context, id, reason string) error
	Retract(ctx context.Context, id string) error
	ApplyRemote(ctx context.Context, ops []store.Op) (store.ApplyResult, error)
	NoteOverwrite(ctx context.Context, c store.Conflict) (bool, error)
	SyncState(ctx context.Context) (store.SyncState, error)
	SetSyncState(ctx context.Context, s store.SyncState) error
	HasAttachment(hash string) bool
	OpenAttachment(hash string) (io.ReadCloser, error)
	PutAttachment(ctx context.Context, r io.Reader) (string, error)
	Path() string
	HoldsCases(ctx context.Context) (bool, error)
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditHead(ctx context.Context) (store.AuditHead, error)
	AuditKey(ctx context.Context) ([]byte, error)
	AuditAfter(ctx context.Context, after int64, limit int) ([]store.AuditEntry, error)
	AdoptSnapshotSealed(ctx context.Context, path string, key []byte, remote []store.Op, settings map[string]string) (store.SnapshotInfo, error)
}

// Settings keys the client keeps in the store (device-local).
const (
	SettingHubURL         = "sync.hub_url"
	SettingFingerprint    = "sync.fingerprint"
	SettingToken          = store.SettingHubToken // left out of backups
	SettingCursor         = "sync.cursor"
	SettingRefetchOwn     = "sync.refetch_own" // "1": pull with the device's own ops (after a restore)
	SettingBase           = "sync.base"        // see Client.base
	SettingKind           = "sync.kind"
	SettingDepartment     = "sync.department"
	SettingCatalogue      = "sync.catalogue_version"
	SettingCatalogueFiles = "sync.catalogue_files" // JSON object: file name -> content
	SettingPoliceStation  = "sync.police_stations" // JSON array of syncapi.PoliceStation
	SettingRecoveryKey    = "sync.recovery_key"    // the hub's SM2 recovery public key (hex)
	SettingPublicURL      = "sync.public_url"      // the hub's public site (https://…), the receipt's QR code points into it (#13)
)

// Config configures a Client.
type Config struct {
	Store Store
	// WrapTransport, when set, wraps the transport that pins the
	// certificate fingerprint saved at enrolment (tests that inject
	// network faults). The pin and the https-only check stay.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// Interval between rounds after a success; 0 means 30 s. Each wait is
	// jittered by ±20 %.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait after failures, which
	// doubles per failure with jitter; 0 means 1 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// PushBatch is the number of ops per push; 0 means 500.
	PushBatch int
	// PullPage is the number of ops asked per pull page; 0 means 1000.
	PullPage int
	// NoSnapshot makes an empty desktop pull its whole feed op by op
	// instead of starting from the hub's snapshot of its office.
	NoSnapshot bool
	// OnChange, when set, receives every new Status.
	OnChange func(Status)
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
}

// Status is what the desktop shows about sync.
type Status struct {
	Enrolled    bool
	Online      bool // the hub answered the last attempt
	Syncing     bool // a round is running
	Outbox      int  // local ops waiting for the hub
	SetAside    int  // ops the hub rejected (store.SetAsideOps lists them with reasons)
	Conflicts   int  // unresolved (store.Conflicts lists them with both values)
	LastSuccess time.Time
	LastAttempt time.Time
	LastError   string // empty after a success
	Err         error  // the last round's error; nil after a success
	NextAttempt time.Time
	Failures    int // failed rounds in a row
	// ClockSkew is the hub's clock minus this machine's, measured at every
	// round (the hub's time in its config answer against the middle of the
	// request); ClockChecked says whether it was measured yet. Beyond
	// store.ClockWarnSkew the desktop warns: the hub refuses edits stamped
	// more than its drift bound ahead.
	ClockSkew    time.Duration
	ClockChecked bool
	// SnapshotGot and SnapshotSize tell, while the first sync downloads
	// the hub's snapshot of the office, how far it is; both 0 otherwise.
	SnapshotGot, SnapshotSize int64
}

// ClockWrong reports whether the last round found this machine's clock
// further than store.ClockWarnSkew from the hub's.
func (s Status) ClockWrong() bool {
	return s.ClockChecked && (store.SyncState{ClockSkew: s.ClockSkew}).ClockWrong()
}

// Client syncs one store with the hub.
type Client struct {
	cfg  Config
	st   Store
	now  func() time.Time
	kick chan struct{}

	hmu  sync.Mutex
	http *http.Client
	url  string
	tok  string

	mu     sync.Mutex
	status Status

	roundMu  sync.Mutex // one round at a time
	uploaded map[string]bool
	rng      *rand.Rand
}

// ErrNotEnrolled: the store has no hub credential yet.
var ErrNotEnrolled = errors.New("device not enrolled with a hub")

// ErrCredentialLeftOut: the store knows its hub but holds no credential:
// it was restored from a backup (which leaves the credential out) on
// another machine. The desk must enrol again, with a code the hub's admin
// makes for this device (vetdesk-hub enrol --reenrol DEVICE_ID). It comes
// wrapped with ErrNotEnrolled.
var ErrCredentialLeftOut = errors.New("restored without its hub credential: enrol again with a re-enrolment code for this device")

// ErrRevoked: the hub refused the device's credential.
var ErrRevoked = errors.New("hub refused the device credential")

// HubError is a non-2xx answer of the hub.
type HubError struct {
	Status int
	Code   string // syncapi.Err*
	Msg    string
}

func (e *HubError) Error() string {
	return fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Code, e.Msg)
}

// Is makes errors.Is(err, ErrRevoked) true for a 401.
func (e *HubError) Is(target error) bool {
	return target == ErrRevoked && e.Status == http.StatusUnauthorized
}

// New returns a client of cfg.Store. It does not contact the hub.
func New(cfg Config) (*Client, error) {
	if cfg.Store == nil {
		return nil, errors.New("syncclient: no store")
	}
	c := &Client{cfg: cfg, st: cfg.Store, now: cfg.Now, kick: make(chan struct{}, 1), uploaded: map[string]bool{},
		rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed))}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Status returns the current status. It is cheap: no I/O.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *Client) update(fn func(s *Status)) {
	c.mu.Lock()
	fn(&c.status)
	s := c.status
	c.mu.Unlock()
	if c.cfg.OnChange != nil {
		c.cfg.OnChange(s)
	}
}

// noteClock records the hub's clock (hub, read from an answer to a request
// sent at sent and answered at got) against this machine's.
func (c *Client) noteClock(hub, sent, got time.Time) {
	mid := sent.Add(got.Sub(sent) / 2)
	skew := hub.Sub(mid).Round(time.Second)
	c.update(func(s *Status) { s.ClockSkew, s.ClockChecked = skew, true })
}

// refreshCounts reads the outbox, set-aside and conflict counts.
func (c *Client) refreshCounts(ctx context.Context) {
	ss, err := c.st.SyncState(ctx)
	if err != nil {
		return
	}
	c.update(func(s *Status) { s.Outbox, s.SetAside, s.Conflicts = ss.Outbox, ss.SetAside, ss.Conflicts })
}

// Kick asks Run to start a round now (after a local save, say).
func (c *Client) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// connect loads the hub URL and credential from the store.
func (c *Client) connect(ctx context.Context) error {
	c.hmu.Lock()
	defer c.hmu.Unlock()
	if c.tok != "" {
		return nil
	}
	url, err := c.st.Setting(ctx, SettingHubURL)
	if err != nil {
		return err
	}
	tok, err := c.st.Setting(ctx, SettingToken)
	if err != nil {
		return err
	}
	fp, err := c.st.Setting(ctx, SettingFingerprint)
	if err != nil {
		return err
	}
	if url != "" && tok == "" {
		return fmt.Errorf("%w: %w", ErrNotEnrolled, ErrCredentialLeftOut)
	}
	if url == "" || tok == "" {
		return ErrNotEnrolled
	}
	// an address or pin saved by an older version is checked again: a
	// desk once enrolled over http must enrol again over https
	if url, err = hubURL(url); err != nil {
		return fmt.Errorf("%w: enrol again with the hub's https:// address", err)
	}
	if fp, err = pin(fp); err != nil {
		return fmt.Errorf("saved hub fingerprint: %w: enrol again", err)
	}
	c.url, c.tok = url, tok
	c.http = pinnedClient(fp, c.cfg.WrapTransport)
	return nil
}

// Run syncs until ctx ends: a round, then a wait of Interval (jittered)
// after a success, or of an exponentially growing, jittered backoff after
// a failure. Kick cuts a wait short. It returns ctx's error.
func (c *Client) Run(ctx context.Context) error {
	for {
		err := c.Once(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := c.nextWait(err)
		c.update(func(s *Status) { s.NextAttempt = c.now().Add(wait) })
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-c.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// nextWait is the wait after a round that ended with err.
func (c *Client) nextWait(err error) time.Duration {
	interval, lo, hi := c.cfg.Interval, c.cfg.MinBackoff, c.cfg.MaxBackoff
	if interval <= 0 {
		interval = 30 * time.Second
	}
	if lo <= 0 {
		lo = time.Second
	}
	if hi <= 0 {
		hi = 5 * time.Minute
	}
	c.mu.Lock()
	failures := c.status.Failures
	c.mu.Unlock()
	if err == nil {
		return time.Duration(float64(interval) * (0.8 + 0.4*c.rng.Float64()))
	}
	return Backoff(failures, lo, hi, c.rng.Float64())
}

// Backoff is the wait after the n-th failure in a row (n ≥ 1): lo doubled
// n-1 times, capped at hi, then "equal jitter": half of it fixed, the
// other half scaled by r in [0, 1).
func Backoff(n int, lo, hi time.Duration, r float64) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + time.Duration(float64(d/2)*r)
}

// Once runs one round: pull, push, pull. It updates the status and the
// store's SyncState whatever happens.
func (c *Client) Once(ctx context.Context) error {
	c.roundMu.Lock()
	defer c.roundMu.Unlock()
	start := c.now()
	c.update(func(s *Status) { s.Syncing, s.LastAttempt = true, start })
	err := c.round(ctx)
	ss, _ := c.st.SyncState(ctx)
	now := c.now()
	c.update(func(s *Status) {
		s.Syncing = false
		s.Enrolled = !errors.Is(err, ErrNotEnrolled)
		var he *HubError
		s.Online = err == nil || errors.As(err, &he)
		if err == nil {
			s.LastSuccess, s.LastError, s.Err, s.Failures = now, "", nil, 0
		} else {
			s.LastError, s.Err = err.Error(), err
			s.Failures++
		}
		s.Outbox, s.SetAside, s.Conflicts = ss.Outbox, ss.SetAside, ss.Conflicts
	})
	if st := c.Status(); st.ClockChecked {
		ss.ClockSkew = st.ClockSkew
	}
	if err == nil {
		ss.LastPush, ss.LastPull, ss.LastError = now, now, ""
	} else {
		ss.LastError = err.Error()
	}
	if serr := c.st.SetSyncState(context.WithoutCancel(ctx), ss); serr != nil && err == nil {
		err = serr
	}
	return err
}

func (c *Client) round(ctx context.Context) error {
	if err := c.connect(ctx); err != nil {
		return err
	}
	if err := c.fetchConfig(ctx); err != nil {
		return err
	}
	if err := c.ensureLetterKey(ctx); err != nil { // desks enrolled before letter keys, renewals
		return err
	}
	if err := c.startFromSnapshot(ctx); err != nil {
		return err
	}
	if err := c.pullAll(ctx); err != nil {
		return err
	}
	pushed, err := c.pushAll(ctx)
	if err != nil {
		return err
	}
	if err := c.pushAudit(ctx); err != nil {
		return err
	}
	if pushed > 0 {
		return c.pullAll(ctx) // the hub's corrections and what came meanwhile
	}
	return nil
}

func (c *Client) cursor(ctx context.Context) (int64, error) {
	v, err := c.st.Setting(ctx, SettingCursor)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}
