package main

import (
	"context"
	"flag"
	"fmt"
	"slices"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/store"
)

func init() {
	extraCommands["printer"] = cmdPrinter
}

// cmdPrinter is 设置's printer choice on the command line (admins): the
// print queue of a document type and that queue's offset. The store is
// encrypted (#12), so scripts and the Wine tests set it through the
// program instead of writing the file.
func cmdPrinter(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("printer", flag.ContinueOnError)
	offset := fs.String("offset", "", "the queue's offset x,y in mm (right and down), each within ±30")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		return usageError("usage: vetdesk printer -as ADMIN [-offset X,Y] <receipt|notice|regform|hukou_letter|subsidy_form> QUEUE")
	}
	if e.user.Role != store.RoleAdmin {
		return fmt.Errorf("printer: %w", store.ErrForbidden)
	}
	doc, queue := fs.Arg(0), fs.Arg(1)
	if !slices.Contains([]string{casework.DocReceipt, casework.DocNotice, casework.DocRegForm, casework.DocHukouLetter, casework.DocSubsidyForm}, doc) {
		return usageError("printer: unknown document " + doc)
	}
	if _, _, err := counter.ParseOffset(*offset); err != nil {
		return usageError(err.Error())
	}
	if err := e.st.SetSetting(ctx, counter.PrinterSetting(doc), queue); err != nil {
		return err
	}
	if *offset != "" {
		if err := e.st.SetSetting(ctx, counter.OffsetSetting(queue), *offset); err != nil {
			return err
		}
	}
	fmt.Printf("%s prints on %s\n", doc, queue)
	return nil
}
