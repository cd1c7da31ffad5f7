package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/syncclient"
	"vetdesk/ui"
)

func init() {
	extraCommands["sync"] = cmdSync
	extraCommands["enrol"] = cmdEnrol
	backgroundJobs = append(backgroundJobs, startSync)
}

// syncService runs the sync client of the window once the device is enrolled.
type syncService struct {
	e      *env
	ctx    context.Context
	mu     sync.Mutex
	client *syncclient.Client
	notify func(syncclient.Status)
	// takenDue: an intake was accepted whose online application the hub
	// may not hold as taken yet; reporting: a report is running.
	takenDue  atomic.Bool
	reporting sync.Mutex
}

// intakeAccepted tells the hub, in the background, of the online
// application an accepted intake came from (#13); when the hub cannot be
// reached it is told after the next good sync round.
func (s *syncService) intakeAccepted(_ context.Context, c *casework.Case) {
	go func() {
		if s.noteAccepted(c) {
			s.reportTaken()
		}
	}()
}

// noteAccepted makes a report due when the accepted case c came from an
// online application, and says so; other intakes ask nothing of the hub.
func (s *syncService) noteAccepted(c *casework.Case) bool {
	from, err := counter.FromApplication(s.ctx, s.e.st, c.ID)
	if err != nil {
		slog.Warn("accepted intake", "case", c.ID, "err", err)
	}
	if from {
		s.takenDue.Store(true)
	}
	return from
}

// onStatus retries a due report after a good sync round.
func (s *syncService) onStatus(st syncclient.Status) {
	if st.Online && !st.Syncing && st.Err == nil && s.takenDue.Load() {
		go s.reportTaken()
	}
}

// reportTaken reports accepted intakes of online applications to the hub
// when one is due, one report at a time.
func (s *syncService) reportTaken() {
	if !s.reporting.TryLock() {
		return // the running one reports it, or the next good round does
	}
	defer s.reporting.Unlock()
	if !s.takenDue.Swap(false) {
		return
	}
	c := s.Client()
	if c == nil {
		s.takenDue.Store(true)
		return
	}
	svc := &counter.AppService{Store: s.e.st, Cat: s.e.cat, Hub: c, Now: time.Now}
	if _, err := svc.ReportTaken(s.ctx); err != nil {
		s.takenDue.Store(true)
		slog.Warn("report taken applications", "err", err)
	}
}

func (s *syncService) Client() *syncclient.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

func (s *syncService) Enrol(ctx context.Context, opt syncclient.EnrolOptions) error {
	if _, err := syncclient.Enrol(ctx, s.e.st, opt); err != nil {
		return err
	}
	if err := s.e.vault.SyncRecovery(ctx); err != nil {
		return err
	}
	return s.start()
}

// start builds the client from what enrolment saved and runs it until the
// window closes.
func (s *syncService) start() error {
	c, err := syncclient.New(syncclient.Config{Store: s.e.st, OnChange: s.notify})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.client = c
	s.mu.Unlock()
	go func() {
		if err := c.Run(s.ctx); err != nil && !errors.Is(err, context.Canceled) {
			slog.Error("sync stopped", "err", err)
		}
	}()
	return nil
}

func enrolled(ctx context.Context, e *env) bool {
	tok, err := e.st.Setting(ctx, syncclient.SettingToken)
	return err == nil && tok != ""
}

// startSync wires the sync screen and, on an enrolled device, starts syncing.
func startSync(ctx context.Context, e *env, d *ui.Desk) {
	svc := d.Svc
	s := &syncService{e: e, ctx: ctx}
	s.notify = func(st syncclient.Status) {
		fyne.Do(d.SyncChanged)
		s.onStatus(st)
	}
	svc.Sync = s
	svc.Accepted = s.intakeAccepted
	// 网上申请 (#13): the office's online applications, through the hub
	svc.Extra = append(svc.Extra, ui.ApplicationsEntry(func() ui.AppInbox {
		c := s.Client()
		if c == nil {
			return nil
		}
		return &counter.AppService{Store: e.st, Cat: e.cat, Hub: c, Now: time.Now}
	}))
	// 就业培训 (#13): the office's courses and jobs, published on the hub
	svc.Extra = append(svc.Extra, ui.JobsEntry(func() ui.PostingBoard {
		c := s.Client()
		if c == nil {
			return nil
		}
		return &counter.JobService{Store: e.st, Hub: c, Now: time.Now}
	}))
	svc.Unsynced = func(ctx context.Context, caseID string) bool {
		p, err := e.st.PendingCases(ctx)
		return err == nil && p[caseID] > 0
	}
	if enrolled(ctx, e) {
		if err := s.start(); err != nil {
			slog.Error("sync", "err", err)
		}
	}
}

func cmdSync(ctx context.Context, e *env, args []string) error {
	if !enrolled(ctx, e) {
		if url, _ := e.st.Setting(ctx, syncclient.SettingHubURL); url != "" {
			dev, _ := e.st.Device(ctx)
			return usageError("this desk was restored from a backup, which leaves out its hub credential: ask the hub admin for " +
				"`vetdesk-hub enrol --reenrol " + dev.ID + "`, then vetdesk enrol -hub https://HOST:PORT -fingerprint FP -code CODE")
		}
		return usageError("this device is not enrolled: vetdesk enrol -hub https://HOST:PORT -fingerprint FP -code CODE")
	}
	shown := int64(-1)
	progress := func(st syncclient.Status) { // the first sync's snapshot, every tenth
		if st.SnapshotSize == 0 {
			return
		}
		if tenth := st.SnapshotGot * 10 / st.SnapshotSize; tenth != shown {
			shown = tenth
			fmt.Fprintf(os.Stderr, "snapshot: %d / %d MB\n", st.SnapshotGot>>20, st.SnapshotSize>>20)
		}
	}
	c, err := syncclient.New(syncclient.Config{Store: e.st, OnChange: progress})
	if err != nil {
		return err
	}
	err = c.Once(ctx)
	st := c.Status()
	fmt.Printf("online=%v outbox=%d set-aside=%d conflicts=%d last-success=%s\n", st.Online, st.Outbox, st.SetAside, st.Conflicts, st.LastSuccess.Format("2006-01-02 15:04:05"))
	if st.ClockWrong() {
		fmt.Fprintf(os.Stderr, "warning: this computer's clock is %s off the hub's (hub minus local); edits stamped more than the hub allows ahead are refused\n", st.ClockSkew)
	}
	return err
}

func cmdEnrol(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("enrol", flag.ContinueOnError)
	var opt syncclient.EnrolOptions
	fs.StringVar(&opt.HubURL, "hub", "", "hub address, https://host:port")
	fs.StringVar(&opt.Fingerprint, "fingerprint", "", "hub certificate SHA-256, as vetdesk-hub enrol printed it")
	fs.StringVar(&opt.Code, "code", "", "one-time enrolment code")
	fs.StringVar(&opt.DeviceCode, "device", "", "short device code for case numbers (empty: the hub picks)")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if opt.HubURL == "" || opt.Fingerprint == "" || opt.Code == "" {
		return usageError("usage: vetdesk enrol -hub https://HOST:PORT -fingerprint FP -code CODE [-device CODE]")
	}
	opt.By = e.cliActor(ctx) // who enrolled, in the audit
	if e.user.ID != "" {
		opt.By = e.userActor()
	}
	res, err := syncclient.Enrol(ctx, e.st, opt)
	if err != nil {
		return err
	}
	fmt.Printf("enrolled: device %s (%s) of office %s, station %s, hub %s\n", res.DeviceCode, res.Kind, res.Office, res.Station, res.HubID)
	// the store's master key wrapped to the hub's recovery key: a forgotten
	// password is recovered through this hub from now on
	return e.vault.SyncRecovery(ctx)
}
