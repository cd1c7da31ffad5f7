package hub

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"vetdesk/casework"
	"vetdesk/internal/opsig"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// Options configure Open.
type Options struct {
	// Catalogue is the catalogue the hub routes and scopes by. Required.
	Catalogue *casework.Catalogue
	// Key is the hub's data key (store.KeySize bytes): hub.db, the replica
	// and the snapshots are sealed with it (SM4-XTS), and plaintext ones of
	// an earlier version are sealed at Open. nil: all plaintext (tests).
	Key []byte
	// CatalogueFiles are the files Catalogue was loaded from
	// (casework.CatalogueFiles), sent to devices whose version differs;
	// nil sends none.
	CatalogueFiles map[string]string
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// MaxClockDrift is how far ahead of Now a pushed op may be stamped:
	// later stamps are refused with ReasonClock, and the replica's clock
	// never follows a stamp further ahead. 0 means store.DefaultMaxDrift.
	MaxClockDrift time.Duration
	// Logger receives the handlers' request logs; nil discards them.
	Logger *slog.Logger
	// WebhookBackoff is the first retry delay of a failed webhook delivery,
	// doubled on each failure up to WebhookMaxBackoff; 0 means 5 s.
	WebhookBackoff time.Duration
	// WebhookMaxBackoff caps the delay; 0 means one hour.
	WebhookMaxBackoff time.Duration
	// WebhookAttempts is how many attempts a delivery gets; 0 means 20.
	WebhookAttempts int
	// HTTPClient sends webhooks; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// SnapshotMinCases is the fewest cases an office must hold for its
	// empty desktops to be offered a snapshot instead of the whole feed;
	// 0 means DefaultSnapshotMinCases, negative never offers one.
	SnapshotMinCases int
	// SnapshotMaxAge is how long a built snapshot is offered before the
	// next request builds a new one (the feed covers what came after it);
	// 0 means DefaultSnapshotMaxAge.
	SnapshotMaxAge time.Duration
	// ReadTimeout bounds reading a request, headers and body, unless its
	// handler extends it for an authenticated device; 0 means
	// DefaultReadTimeout. WriteTimeout bounds the answer; 0 means
	// DefaultWriteTimeout. PushTimeout and TransferTimeout are the
	// extended deadlines of a push and of an attachment or snapshot
	// transfer; 0 means their defaults. MaxConns caps open connections;
	// 0 means DefaultMaxConns. See Serve.
	ReadTimeout, WriteTimeout, PushTimeout, TransferTimeout time.Duration
	MaxConns                                                int
	// PublicURL is the public site's address as veterans reach it
	// (https://host[/prefix], #13), told to the desks in their config: the
	// receipt's QR code points under it. Empty: the hub serves no public
	// site and receipts keep the plain code.
	PublicURL string
	// PublicTrustProxy counts the public site's clients by the last
	// address in X-Forwarded-For (set by a reverse proxy in front of it)
	// instead of the peer, which is then the proxy.
	PublicTrustProxy bool
	// SMS is the gateway the notifier sends veterans' messages through;
	// nil keeps them for the progress page only.
	SMS *SMSGateway
}

// Hub is an open hub: its replica, its own tables and the HTTP handler.
type Hub struct {
	dir      string
	opt      Options
	cat      *casework.Catalogue
	catFiles map[string]string
	now      func() time.Time
	log      *slog.Logger
	db       *store.DB       // the replica
	meta     *sql.DB         // hub.db
	id       string          // the replica's device id, the hub's identity
	recovery *sm2.PrivateKey // opens the desks' recovery wraps (recovery.go)
	root     *opsig.Key      // certifies the desks' letter keys (rootkey.go)

	verifyLimit verifyLimiter // the /verify page's checks per client a minute
	guesses     guessLimiter  // the progress page's wrong codes per case and client
	csrfKey     []byte        // signs the public forms' CSRF tokens (a new one each start)

	mu sync.Mutex // serialises writes to the replica (push, derive, department API, users)

	upMu    sync.Mutex
	uploads map[string]*uploadLock // per unfinished upload (device, hash), while in use
	// caps of a device's unfinished uploads (count, bytes held plus the
	// size of the one being sent): MaxUploadsPerDevice, MaxUploadBytesPerDevice
	upMaxCount int
	upMaxBytes int64

	kick       chan struct{} // wakes the webhook worker
	noticeKick chan struct{} // wakes the notifier (notify.go)

	snaps snapshots

	// Background work of the hub itself (compressing snapshots): Close
	// cancels it and waits.
	bgCtx    context.Context
	bgStop   context.CancelFunc
	bg       sync.WaitGroup
	bgMu     sync.Mutex
	bgClosed bool

	seenMu sync.Mutex
	seen   map[string]time.Time // device -> last contact written down
}

// hubActor is who the hub's own ops are written by.
var hubActor = store.Actor{UserID: "hub", Login: "hub", Name: "vetdesk-hub", Role: store.RoleAdmin}

// Open opens (creating when missing) the hub whose data live in dir.
func Open(dir string, opt Options) (*Hub, error) {
	if opt.Catalogue == nil {
		return nil, errors.New("open hub: no catalogue")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open hub: %w", err)
	}
	h := &Hub{dir: dir, opt: opt, cat: opt.Catalogue, catFiles: opt.CatalogueFiles, now: opt.Now, log: opt.Logger,
		uploads: map[string]*uploadLock{}, upMaxCount: MaxUploadsPerDevice, upMaxBytes: MaxUploadBytesPerDevice,
		kick: make(chan struct{}, 1), noticeKick: make(chan struct{}, 1)}
	if h.now == nil {
		h.now = time.Now
	}
	h.csrfKey = make([]byte, 32)
	rand.Read(h.csrfKey)
	if h.opt.MaxClockDrift <= 0 {
		h.opt.MaxClockDrift = store.DefaultMaxDrift
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.bgCtx, h.bgStop = context.WithCancel(context.Background())
	db, err := store.Open(filepath.Join(dir, "replica.db"), store.Options{Now: h.now, MaxDrift: h.opt.MaxClockDrift, Catalogue: opt.Catalogue, Key: opt.Key})
	if err != nil {
		return nil, fmt.Errorf("open hub: %w", err)
	}
	h.db = db
	dev, err := db.Device(context.Background())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	h.id = dev.ID
	if h.meta, err = openMeta(filepath.Join(dir, "hub.db"), opt.Key); err != nil {
		db.Close()
		return nil, err
	}
	// after the replica opened with opt.Key: a wrong key must not seal
	// the recovery key of an earlier version under itself
	rk, err := loadOrCreateRecoveryKey(dir, opt.Key)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	h.recovery = rk
	if h.root, err = letterRoot(rk); err != nil {
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	if _, err := h.meta.Exec(noticeSchema + applySchema + postingSchema); err != nil { // the notifier's, 网上申请's and 就业培训's tables (#13)
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	if err := h.settleOverwrites(context.Background()); err != nil { // a push cut by a crash
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	if err := h.settleDerives(context.Background()); err != nil {
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	if err := h.settleDeptActions(context.Background()); err != nil { // a department action cut by a crash
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	if err := h.takeUpReferences(context.Background()); err != nil {
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	if err := h.expireUploads(); err != nil {
		h.Close()
		return nil, fmt.Errorf("open hub: %w", err)
	}
	h.background(h.keepUploadsClean)
	if err := h.loadSnapshots(context.Background()); err != nil {
		h.Close()
		return nil, fmt.Errorf("open hub: snapshots: %w", err)
	}
	return h, nil
}

// Close closes the replica and hub.db.
func (h *Hub) Close() error {
	h.bgMu.Lock()
	h.bgClosed = true
	h.bgMu.Unlock()
	if h.bgStop != nil {
		h.bgStop()
		h.bg.Wait()
	}
	err1 := h.db.Close()
	err2 := h.meta.Close()
	return errors.Join(err1, err2)
}

// background runs fn on its own goroutine unless the hub is closing;
// Close waits for it.
func (h *Hub) background(fn func()) {
	h.bgMu.Lock()
	defer h.bgMu.Unlock()
	if !h.bgClosed {
		h.bg.Go(fn)
	}
}

// Replica returns the hub's replica store (for tests and admin commands).
func (h *Hub) Replica() *store.DB { return h.db }

// ID returns the hub's identity (its replica's device id).
func (h *Hub) ID() string { return h.id }

// Handler returns the hub's HTTP handler.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+syncapi.PathHealth, h.health)
	mux.HandleFunc("POST "+syncapi.PathEnrol, h.handleEnrol)
	mux.HandleFunc("GET "+syncapi.PathConfig, h.device(h.handleConfig))
	mux.HandleFunc("POST "+syncapi.PathRecover, h.handleRecover)
	mux.HandleFunc("POST "+syncapi.PathPush, h.device(h.handlePush))
	mux.HandleFunc("GET "+syncapi.PathPull, h.device(h.handlePull))
	mux.HandleFunc("GET "+syncapi.PathSnapshot, h.device(h.handleSnapshot))
	mux.HandleFunc("GET "+syncapi.PathSnapshotFile+"{id}", h.device(h.handleSnapshotFile))
	mux.HandleFunc("HEAD "+syncapi.PathAttachments+"{hash}", h.device(h.handleAttachmentHead))
	mux.HandleFunc("PUT "+syncapi.PathAttachments+"{hash}", h.device(h.handleAttachmentPut))
	mux.HandleFunc("GET "+syncapi.PathAttachments+"{hash}", h.device(h.handleAttachmentGet))
	mux.HandleFunc("GET "+syncapi.PathDeptTasks, h.dept(h.handleDeptList))
	mux.HandleFunc("POST "+syncapi.PathLetterKey, h.device(h.handleLetterKey))
	mux.HandleFunc("POST "+syncapi.PathAudit, h.device(h.handleAudit))
	mux.HandleFunc("GET "+syncapi.PathAudit, h.device(h.handleAuditList))
	mux.HandleFunc("GET "+syncapi.PathApplications, h.device(h.handleApplications))
	mux.HandleFunc("POST "+syncapi.PathApplications+"{id}", h.device(h.handleDecision))
	mux.HandleFunc("GET "+syncapi.PathPostings, h.device(h.handlePostings))
	mux.HandleFunc("POST "+syncapi.PathPostings, h.device(h.handlePostings))
	mux.HandleFunc("GET /verify", h.handleVerify) // for police stations: no credential
	mux.HandleFunc("POST /verify", h.handleVerify)
	mux.HandleFunc("POST "+syncapi.PathDeptTasks+"/{case}/{item}/{action}", h.dept(h.handleDeptAction))
	return h.logged(h.versioned(mux))
}

func (h *Hub) health(w http.ResponseWriter, r *http.Request) {
	if _, err := h.db.FeedHigh(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, syncapi.ErrInternal, "replica unavailable")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// versioned refuses clients older than syncapi.MinVersion.
func (h *Hub) versioned(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get(syncapi.HeaderVersion); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || syncapi.Version(n) < syncapi.MinVersion {
				writeError(w, http.StatusUpgradeRequired, syncapi.ErrTooOld, "protocol version "+v+" is no longer served")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// logged logs every request once, structured.
func (h *Hub) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		lvl := slog.LevelDebug
		if sw.status >= 500 {
			lvl = slog.LevelError
		} else if sw.status >= 400 {
			lvl = slog.LevelWarn
		}
		h.log.LogAttrs(r.Context(), lvl, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes), slog.Duration("took", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}

// fail answers err as an internal error, logging it in full once.
func (h *Hub) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "handler failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	writeError(w, http.StatusInternalServerError, syncapi.ErrInternal, "internal error")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, syncapi.Error{Code: code, Message: msg})
}

// readJSON decodes a request body of at most limit bytes into v.
func readJSON(r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}
