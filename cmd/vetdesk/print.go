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
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	args = fs.Args()
	if len(args) != 2 {
		return usageError("usage: vetdesk print [-save] <receipt|notice|regform|hukou_letter|subsidy_form> <case number>")
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
	path, err := p.PrintDocument(ctx, e.cliActor(ctx), args[0], c.ID)
	if path != "" {
		fmt.Println(path)
	}
	return err
}

func cmdVoidLetter(ctx context.Context, e *env, args []string) error {
	if len(args) != 2 {
		return usageError("usage: vetdesk void-letter <case number> <reason>")
	}
	p, err := printService(e)
	if err != nil {
		return err
	}
	c, err := e.st.CaseByNumber(ctx, args[0])
	if err != nil {
		return fmt.Errorf("case %s: %w", args[0], err)
	}
	return p.VoidLetter(ctx, e.cliActor(ctx), c.ID, args[1])
}
