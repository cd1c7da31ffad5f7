package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"vetdesk/counter"
	"vetdesk/store"
	"vetdesk/ui"
)

func init() {
	backgroundJobs = append(backgroundJobs, startAutoBackup)
}

// autoBackupCheck is how often the window looks whether an automatic
// backup is due; the interval itself is a setting (设置).
const autoBackupCheck = 10 * time.Minute

// startAutoBackup backs the store up into the automatic backups folder
// whenever the last backup is older than the set interval, keeping the set
// number of copies; each run is audited.
func startAutoBackup(ctx context.Context, e *env, _ *ui.Desk) {
	go func() {
		t := time.NewTimer(time.Minute) // not while the window comes up
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			autoBackupOnce(ctx, e.st, e.vault)
			t.Reset(autoBackupCheck)
		}
	}()
}

func autoBackupOnce(ctx context.Context, st *store.DB, v *counter.Vault) {
	plan := ui.ReadBackupPlan(ctx, st)
	info, ran, err := st.AutoBackup(ctx, plan.Dir, plan.Every, plan.Keep)
	if ran && err == nil {
		err = v.ExportKeys(info.Path) // a backup opens only with its key file
	}
	if !ran {
		if err != nil {
			slog.Error("automatic backup", "err", err)
		}
		return
	}
	target := info.Path
	if target == "" {
		target = plan.Dir
	}
	if aerr := st.Audit(ctx, store.AuditEntry{UserID: "auto", Login: "auto", Action: store.ActionBackup, Target: target,
		Success: err == nil, Detail: fmt.Sprintf("automatic bytes=%d keep=%d", info.Size, plan.Keep)}); aerr != nil {
		slog.Error("audit automatic backup", "err", aerr)
	}
	if err != nil {
		slog.Error("automatic backup", "dir", plan.Dir, "err", err)
		return
	}
	slog.Info("automatic backup", "path", info.Path, "bytes", info.Size)
}
