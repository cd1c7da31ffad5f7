package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"time"

	"vetdesk/counter"
	"vetdesk/internal/letterseal"
)

func init() { extraCommands["verify"] = cmdVerify }

// cmdVerify checks a hukou letter's QR text offline (#12): against the
// hub's root public key kept at enrolment, and the voids this desk knows.
// TEXT is the argument, or "-" for standard input.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	id := fs.String("id", "", "the bearer's ID number, checked against the letter")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: vetdesk verify [-id ID] TEXT|-")
	}
	text := fs.Arg(0)
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 64<<10))
		if err != nil {
			return err
		}
		text = string(b)
	}
	s, err := counter.VerifyLetter(ctx, e.st, text, time.Now())
	if err != nil && !letterseal.IsRefusal(err) {
		return err
	}
	letterseal.Report(os.Stdout, s, err, *id)
	if err != nil {
		return errors.New("the letter is not valid")
	}
	return nil
}
