// Command vetdesk is the counter desktop app of 军人退役一件事. With no
// argument it opens the window on a local data folder; subcommands run the
// same services headless for scripts and admins:
//
//	vetdesk [-data DIR]                       open the window
//	vetdesk -version                          print the version stamped by make dist
//
// The store is encrypted (#12): every subcommand that opens it takes
// -as LOGIN, the user whose password (VETDESK_PASSWORD, or typed when
// asked) unlocks it; on a folder without a store, LOGIN becomes its first
// administrator.
//
//	vetdesk print [-save] <document> <case number>  receipt, notice, regform, hukou_letter, subsidy_form;
//	                                          -save only saves the PDF into documents/
//	vetdesk void-letter <case number> <reason> void a hukou letter; its number is never reused
//	vetdesk report -from DATE -to DATE -office CODE -o FILE.xlsx
//	vetdesk import roster FILE.xlsx [-result FILE.xlsx]
//	vetdesk import postings FILE.xlsx
//	vetdesk backup FILE | restore FILE
//	vetdesk demo [-n N]                       load synthetic demo cases
//	vetdesk sync                              sync once with the hub
//	vetdesk rotate-key                        a new data key for the store (admins)
//	vetdesk recover -as LOGIN -hub-admin HUBADMIN  a forgotten password, through the hub
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/internal/keyring"
	"vetdesk/internal/version"
	"vetdesk/store"
)

func main() {
	fs := flag.NewFlagSet("vetdesk", flag.ExitOnError)
	dataDir := fs.String("data", defaultDataDir(), "local data folder")
	showVersion := fs.Bool("version", false, "print the version and exit")
	_ = fs.Parse(os.Args[1:])
	if *showVersion {
		fmt.Println("vetdesk", version.Version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if fs.NArg() == 0 {
		err = runWindow(*dataDir)
	} else {
		err = runCommand(ctx, *dataDir, fs.Arg(0), fs.Args()[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vetdesk:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// extraCommands are subcommands registered by other files of this package.
var extraCommands = map[string]func(ctx context.Context, e *env, args []string) error{}

type usageError string

func (u usageError) Error() string { return string(u) }

// env is what every mode opens: the data folder, the store and the
// catalogue, and the keys that opened the store.
type env struct {
	dir   string
	st    *store.DB
	cat   *casework.Catalogue
	vault *counter.Vault
	user  store.User // who unlocked the store on the command line
}

// loadCatalogue loads the catalogue the hub sent (when this device is
// enrolled and received one), else the embedded city catalogue, and applies
// a district overlay when the data folder has one (overlay.json).
func loadCatalogue(st *store.DB, dataDir string) (*casework.Catalogue, error) {
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	if hubCat, ok, err := counter.HubCatalogue(context.Background(), st, cat); err != nil {
		slog.Error("the hub's catalogue does not load; using the built-in one", "err", err)
	} else if ok {
		cat = hubCat
	}
	if _, err := os.Stat(filepath.Join(dataDir, "overlay.json")); err == nil {
		ov, err := casework.LoadOverlay(os.DirFS(dataDir), "overlay.json")
		if err != nil {
			return nil, err
		}
		if cat, err = cat.WithOverlay(ov, "overlay.json"); err != nil {
			return nil, err
		}
	}
	return cat, nil
}

func (e *env) close() {
	if err := e.vault.Close(); err != nil {
		slog.Error("close store", "err", err)
	}
}

// userActor is the user who unlocked the store, as the store records them.
func (e *env) userActor() store.Actor {
	u := e.user
	return store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Department: u.Department, Office: u.Office}
}

// cliActor is who the command line acts as: the device's admin context,
// recorded as such in the audit log.
func (e *env) cliActor(ctx context.Context) store.Actor {
	dev, _ := e.st.Device(ctx)
	return counter.CLIActor(dev.Office)
}

func runCommand(ctx context.Context, dataDir, cmd string, args []string) error {
	login, args := takeAs(args)
	switch cmd {
	case "restore":
		if len(args) != 1 {
			return usageError("usage: vetdesk restore -as LOGIN FILE")
		}
		return cmdRestore(ctx, dataDir, login, args[0])
	case "recover":
		return cmdRecover(ctx, dataDir, login, args)
	}
	e, err := openEnvAs(ctx, dataDir, cmd, login)
	if err != nil {
		return err
	}
	defer e.close()
	if err := counter.AuditCLI(ctx, e.st, login, cmd, args); err != nil {
		return err
	}
	switch cmd {
	case "backup":
		if len(args) != 1 {
			return usageError("usage: vetdesk backup FILE")
		}
		info, err := e.vault.Backup(ctx, args[0])
		a := e.cliActor(ctx)
		_ = e.st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "backup", Target: args[0], Success: err == nil, Detail: fmt.Sprintf("bytes=%d", info.Size)})
		if err == nil {
			fmt.Printf("backed up to %s (%d bytes), its key file %s\n", args[0], info.Size, args[0]+keyring.BackupSuffix)
			if _, err := os.Stat(args[0] + store.AttachmentsSuffix); err == nil { // a store without scans has none
				fmt.Printf("scans in %s\n", args[0]+store.AttachmentsSuffix)
			}
		}
		return err
	case "demo":
		return cmdDemo(ctx, e, args)
	}
	if fn := extraCommands[cmd]; fn != nil {
		return fn(ctx, e, args)
	}
	return usageError("unknown command " + cmd + ": use print, report, import, backup, restore, demo, sync, enrol, find, audit, verify, rotate-key or recover")
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("n", 300, "cases to generate")
	as := fs.String("as", "", asUsage)
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	a, err := e.actorAs(ctx, "demo", *as)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := counter.Demo(ctx, e.st, e.cat, a, *n, uint64(time.Now().UnixNano()), time.Now(), nil); err != nil {
		return err
	}
	fmt.Printf("loaded %d demo cases in %s\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdRestore replaces the store with a backup and the key file with the
// copy beside it; login's password as it was at the backup opens it. The
// restore is audited in the restored store, so the entry survives the
// replacement it describes.
func cmdRestore(ctx context.Context, dataDir, login, from string) error {
	if login == "" {
		return usageError("usage: vetdesk restore -as LOGIN FILE (LOGIN's password as it was at the backup, in " + PasswordEnv + " or typed when asked)")
	}
	pw, err := password(fmt.Sprintf("password of %s at the backup: ", login))
	if err != nil {
		return err
	}
	v := counter.NewVault(dataDir, store.Options{})
	defer v.Close()
	db, err := v.Restore(ctx, from, login, pw)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return auditRestore(ctx, db, from, store.Actor{UserID: "cli", Login: "cli:" + counter.OSUser() + " as " + login, Role: "admin"})
}

// auditRestore records a restore in the restored store.
func auditRestore(ctx context.Context, st *store.DB, from string, a store.Actor) error {
	return st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "restore", Target: from, Success: true})
}
