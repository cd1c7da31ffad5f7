// Command vetdesk is the counter desktop app of 军人退役一件事. With no
// argument it opens the window on a local data folder; subcommands run the
// same services headless for scripts and admins:
//
//	vetdesk [-data DIR]                       open the window
//	vetdesk -version                          print the version stamped by make dist
//	vetdesk print [-save] <document> <case number>  receipt, notice, regform, hukou_letter, subsidy_form;
//	                                          -save only saves the PDF into documents/
//	vetdesk void-letter <case number> <reason> void a hukou letter; its number is never reused
//	vetdesk report -from DATE -to DATE -office CODE -o FILE.xlsx
//	vetdesk import roster FILE.xlsx [-result FILE.xlsx]
//	vetdesk backup FILE | restore FILE
//	vetdesk demo [-n N]                       load synthetic demo cases
//	vetdesk sync                              sync once with the hub
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

// env is what every mode opens: the data folder, the store and the catalogue.
type env struct {
	dir string
	st  *store.DB
	cat *casework.Catalogue
}

func openEnv(dataDir string) (*env, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	st, err := store.Open(filepath.Join(dataDir, "vetdesk.db"), store.Options{})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	cat, err := loadCatalogue(st, dataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &env{dir: dataDir, st: st, cat: cat}, nil
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
	if err := e.st.Close(); err != nil {
		slog.Error("close store", "err", err)
	}
}

// cliActor is who the command line acts as: the device's admin context,
// recorded as such in the audit log.
func (e *env) cliActor(ctx context.Context) store.Actor {
	dev, _ := e.st.Device(ctx)
	return store.Actor{UserID: "cli", Login: "cli:" + osUser(), Name: "command line", Role: "admin", Office: dev.Office}
}

// osUser is the operating system's name of who runs the command line.
func osUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return os.Getenv("USERNAME") // Windows
}

func runCommand(ctx context.Context, dataDir, cmd string, args []string) error {
	switch cmd {
	case "restore":
		if len(args) != 1 {
			return usageError("usage: vetdesk restore FILE")
		}
		if err := store.Restore(args[0], filepath.Join(dataDir, "vetdesk.db"), nil); err != nil {
			return err
		}
		return auditRestore(dataDir, args[0], store.Actor{UserID: "cli", Login: "cli:" + osUser(), Role: "admin"})
	}
	e, err := openEnv(dataDir)
	if err != nil {
		return err
	}
	defer e.close()
	switch cmd {
	case "backup":
		if len(args) != 1 {
			return usageError("usage: vetdesk backup FILE")
		}
		info, err := e.st.BackupFile(ctx, args[0])
		a := e.cliActor(ctx)
		_ = e.st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "backup", Target: args[0], Success: err == nil, Detail: fmt.Sprintf("bytes=%d", info.Size)})
		if err == nil {
			fmt.Printf("backed up to %s (%d bytes)\n", args[0], info.Size)
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
	return usageError("unknown command " + cmd + ": use print, report, import, backup, restore, demo, sync, find or verify")
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

// auditRestore records a restore in the restored store, so the entry
// survives the replacement it describes.
func auditRestore(dataDir, from string, a store.Actor) error {
	st, err := store.Open(filepath.Join(dataDir, "vetdesk.db"), store.Options{})
	if err != nil {
		return fmt.Errorf("audit restore: %w", err)
	}
	defer st.Close()
	return st.Audit(context.Background(), store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "restore", Target: from, Success: true})
}
