package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"vetdesk/counter"
)

func init() { extraCommands["find"] = cmdFind }

const findUsage = "usage: vetdesk find QUERY [-n N] (a case number or a fragment of it, a name, an ID fragment, a phone ending; several words must all match)"

// cmdFind is the window's search on the command line: one case a line,
// masked as in the window, for operators now that sqlite3 cannot read the
// store. The flags may come before or after the words of the query.
func cmdFind(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("find", flag.ContinueOnError)
	n := fs.Int("n", 0, "print only the first N matches (0: every match)")
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageError(findUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		words, args = append(words, fs.Arg(0)), fs.Args()[1:]
	}
	query := strings.Join(words, " ")
	if strings.TrimSpace(query) == "" || *n < 0 {
		return usageError(findUsage)
	}
	a, err := e.actorAs(ctx, "find", "") // the user of -as: their office, their name in the audit log
	if err != nil {
		return err
	}
	shown, total, err := counter.Find(ctx, e.st, a, query, *n, os.Stdout)
	if err != nil {
		return err
	}
	if shown < total {
		fmt.Fprintf(os.Stderr, "%d of %d matches shown\n", shown, total)
	} else {
		fmt.Fprintf(os.Stderr, "%d matches\n", total)
	}
	return nil
}
