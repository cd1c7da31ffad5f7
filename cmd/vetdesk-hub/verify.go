package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"vetdesk/internal/letterseal"
)

// errNotValid ends `vetdesk-hub verify` with a non-zero status after it
// printed why the letter is not valid.
var errNotValid = errors.New("the letter is not valid")

// verifyLetter checks a hukou letter's QR text as the /verify page does
// (audited as the command line): TEXT as the argument, or "-" to read it
// from standard input. -id checks the bearer's ID number against it; -root
// prints the hub's root public key instead, for offline verifiers.
func verifyLetter(ctx context.Context, c *common, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := c.flags("verify", stderr)
	id := fs.String("id", "", "the bearer's ID number, checked against the letter")
	root := fs.Bool("root", false, "print the hub's root public key (SM2, uncompressed point in hex) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	if *root {
		_, err := fmt.Fprintln(stdout, h.RootPublicKey())
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: vetdesk-hub verify [-id ID] TEXT|-")
	}
	text := fs.Arg(0)
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
		if err != nil {
			return err
		}
		text = string(b)
	}
	s, err := h.VerifyLetter(ctx, "cli", text)
	letterseal.Report(stdout, s, err, *id)
	if letterseal.IsRefusal(err) {
		return errNotValid
	}
	return err
}
