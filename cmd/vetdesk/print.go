package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"sync"

	"vetdesk/counter"
	"vetdesk/fontset"
	"vetdesk/printing"
	"vetdesk/store"
	"vetdesk/ui"
)

var (
	printerOnce sync.Once
	printer     *printing.Printer
	printerErr  error
)

// printService builds the print service of env e; the PDF printer (fonts,
// wording) is made once per process. Wording overrides are read from the
// data folder's templates/ when present, fallback fonts for rare characters
// from its fonts/ before the system's.
func printService(e *env) (*counter.Printing, error) {
	printerOnce.Do(func() {
		printer, printerErr = printing.New(printing.Options{TemplateDir: filepath.Join(e.dir, "templates"), Fonts: fontset.New(nil, filepath.Join(e.dir, "fonts"))})
	})
	if printerErr != nil {
		return nil, fmt.Errorf("printer: %w", printerErr)
	}
	return &counter.Printing{Store: e.st, Cat: e.cat, Printer: printer, Dir: filepath.Join(e.dir, "documents"), Send: printing.Send}, nil
}

// wireServices hands the window the services built from env e.
func wireServices(e *env, svc *ui.Services) {
	if p, err := printService(e); err == nil {
		svc.Printer = p
	}
	svc.Printers = printing.SystemPrinters{}.Printers
	svc.Reports = reportService{e: e}
	svc.Audit = auditService{e: e}
	svc.Extra = append(svc.Extra, ui.FollowUpsEntry()) // 差评整改 for supervisors (#13)
	svc.Roster = func(ctx context.Context, id string) map[string]string {
		v, err := e.st.RosterValues(ctx, id)
		if err != nil {
			return nil
		}
		return v
	}
}

func cmdPrint(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	save := fs.Bool("save", false, "only save the PDF into the documents folder, send nothing to a printer")
	as := fs.String("as", "", asUsage)
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	args = fs.Args()
	if len(args) != 2 {
		return usageError("usage: vetdesk print [-save] [-as LOGIN] <receipt|notice|regform|hukou_letter|subsidy_form> <case number>")
	}
	a, err := e.actorAs(ctx, "print", *as)
	if err != nil {
		return err
	}
	p, err := printService(e)
	if err != nil {
		return err
	}
	if *save {
		saveOnly := *p
		saveOnly.Send = nil
		p = &saveOnly
	}
	c, err := e.st.CaseByNumber(ctx, args[1])
	if err != nil {
		return fmt.Errorf("case %s: %w", args[1], err)
	}
	path, err := p.PrintDocument(ctx, a, args[0], c.ID)
	if path != "" {
		fmt.Println(path)
	}
	return err
}

func cmdVoidLetter(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("void-letter", flag.ContinueOnError)
	as := fs.String("as", "", asUsage)
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	args = fs.Args()
	if len(args) != 2 {
		return usageError("usage: vetdesk void-letter [-as LOGIN] <case number> <reason>")
	}
	a, err := e.actorAs(ctx, "void-letter", *as)
	if err != nil {
		return err
	}
	p, err := printService(e)
	if err != nil {
		return err
	}
	c, err := e.st.CaseByNumber(ctx, args[0])
	if err != nil {
		return fmt.Errorf("case %s: %w", args[0], err)
	}
	return p.VoidLetter(ctx, a, c.ID, args[1])
}

// asUsage is the -as flag of the commands that write ops the hub should
// take (a letter's issue and void reach it as case events). runCommand
// takes -as before the command's own flags: it names the user whose
// password unlocks the encrypted store (#12), logged in with it.
const asUsage = "login of a user of this device to act as, their password in " + PasswordEnv + " or typed when asked " +
	"(the login unlocks the store and their signing key, so the hub takes what they do)"

// actorAs returns who command cmd acts as: the user of -as, who unlocked
// the store and logged in (their signing key unlocked with it).
func (e *env) actorAs(ctx context.Context, cmd, login string) (store.Actor, error) {
	if e.user.ID == "" || login != "" && login != e.user.Login {
		return store.Actor{}, usageError(cmd + ": give -as LOGIN")
	}
	return e.userActor(), nil
}
