package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"vetdesk/counter"
	"vetdesk/store"
)

// PasswordEnv is the environment variable the command line reads a
// password from; without it the password is asked for on the terminal
// (not echoed) or read as a line of standard input.
const PasswordEnv = "VETDESK_PASSWORD"

func init() {
	extraCommands["rotate-key"] = cmdRotateKey
}

// takeAs removes "-as LOGIN" (or -as=LOGIN, --as) from args: the store is
// encrypted, so every command that opens it names the user whose password
// unlocks it.
func takeAs(args []string) (login string, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "as" {
			rest = append(rest, a)
			continue
		}
		if hasVal {
			login = val
		} else if i+1 < len(args) {
			login = args[i+1]
			i++
		}
	}
	return login, rest
}

// stdinLine reads standard input once per run: a password piped in is
// read once, whoever asks.
var stdinLine = sync.OnceValues(func() (string, error) {
	s, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
})

// password returns the password for login: VETDESK_PASSWORD, else asked
// for on the terminal without echo, else a line of standard input.
func password(prompt string) (string, error) {
	if pw, ok := os.LookupEnv(PasswordEnv); ok {
		return pw, nil
	}
	if pw, ok, err := readNoEcho(prompt); ok || err != nil {
		return pw, err
	}
	return stdinLine()
}

// openEnvAs opens the data folder's store for login, for command cmd. On a
// folder without a store, login becomes its first administrator, with the
// password as theirs, and the store is created encrypted (the window's
// setup does the same with more questions); for enrol, whose users come
// from the hub, the password only keys the new store.
func openEnvAs(ctx context.Context, dataDir, cmd, login string) (*env, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	v := counter.NewVault(dataDir, store.Options{})
	state, err := v.State()
	if err != nil {
		return nil, err
	}
	if login == "" {
		if state == counter.VaultNew {
			return nil, usageError("this data folder has no store yet: give -as LOGIN to create it with LOGIN as its first administrator " +
				"(password in " + PasswordEnv + "), or start the window")
		}
		return nil, usageError("the store is encrypted: give -as LOGIN, the password in " + PasswordEnv + " or typed when asked")
	}
	pw, err := password(fmt.Sprintf("password of %s: ", login))
	if err != nil {
		return nil, fmt.Errorf("password of %s: %w", login, err)
	}
	if pw == "" {
		return nil, usageError("empty password: set " + PasswordEnv + " or type it when asked")
	}
	var db *store.DB
	switch {
	case state == counter.VaultNew && cmd == "enrol":
		// the users come from the hub: login's password only keys the store
		if db, err = v.OpenNew(); err == nil {
			err = v.FirstKey(ctx, login, pw)
		}
	case state == counter.VaultNew:
		if db, err = v.OpenNew(); err == nil {
			_, err = db.CreateUser(ctx, store.Actor{Login: "setup", Name: "setup", Role: store.RoleAdmin},
				store.User{Login: login, Name: login, Role: store.RoleAdmin}, pw)
		}
	default:
		db, err = v.Unlock(ctx, login, pw)
	}
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("unlock as %s: %w", login, err)
	}
	if has, err := db.HasUsers(ctx); err == nil && !has {
		// an enrolled desk before its first sync: nobody to log in yet
		cat, err := loadCatalogue(db, dataDir)
		if err != nil {
			v.Close()
			return nil, err
		}
		return &env{dir: dataDir, st: db, cat: cat, vault: v}, nil
	}
	u, err := db.Login(ctx, login, pw)
	if err == nil {
		err = v.AfterLogin(ctx, u, pw)
	}
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("log in as %s: %w", login, err)
	}
	cat, err := loadCatalogue(db, dataDir)
	if err != nil {
		v.Close()
		return nil, err
	}
	return &env{dir: dataDir, st: db, cat: cat, vault: v, user: u}, nil
}

func cmdRotateKey(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError("usage: vetdesk rotate-key -as ADMIN")
	}
	if err := e.vault.Rotate(ctx, e.userActor()); err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	fmt.Println("the store is encrypted with a new data key")
	return nil
}

// cmdRecover recovers the store's master key through the hub for login (a
// forgotten password, or an office whose admin left): a hub admin's login
// and password allow it, the new password is login's from then on.
func cmdRecover(ctx context.Context, dataDir, login string, args []string) error {
	fs := flag.NewFlagSet("recover", flag.ContinueOnError)
	hubAdmin := fs.String("hub-admin", "", "login of a hub administrator who allows the recovery (their password is asked for, or in VETDESK_HUB_PASSWORD)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || login == "" || *hubAdmin == "" {
		return usageError("usage: vetdesk recover -as LOGIN -hub-admin HUBADMIN (LOGIN's new password in " + PasswordEnv +
			", the hub admin's in VETDESK_HUB_PASSWORD, or both typed when asked)")
	}
	pw, err := password(fmt.Sprintf("new password of %s: ", login))
	if err != nil {
		return err
	}
	if len(pw) < 8 {
		return usageError("the new password needs at least 8 characters")
	}
	hubPW, ok := os.LookupEnv("VETDESK_HUB_PASSWORD")
	if !ok {
		if hubPW, ok, err = readNoEcho(fmt.Sprintf("password of hub admin %s: ", *hubAdmin)); !ok && err == nil {
			hubPW, err = stdinLine()
		}
		if err != nil {
			return err
		}
	}
	v := counter.NewVault(dataDir, store.Options{})
	defer v.Close()
	db, err := v.Recover(ctx, login, pw, *hubAdmin, hubPW)
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	u, err := db.Login(ctx, login, pw)
	if err == nil {
		err = v.AfterLogin(ctx, u, pw)
	}
	if err != nil {
		return fmt.Errorf("recover: log in as %s: %w", login, err)
	}
	fmt.Printf("recovered: %s logs in with the new password\n", login)
	return nil
}
