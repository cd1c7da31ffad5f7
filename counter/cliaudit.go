package counter

import (
	"context"
	"os/user"
	"strings"

	"vetdesk/store"
)

// ActionCLI is the audit action of a command-line use.
const ActionCLI = "cli"

// OSUser is the operating system's name of who runs this process, from
// the account database (os/user: the uid's name on Unix, DOMAIN\name on
// Windows), never from $USER or %USERNAME%, which anyone can set. "uid:N"
// when the uid has no name; "unknown" when the lookup fails.
func OSUser() string {
	u, err := user.Current()
	switch {
	case err != nil:
		return "unknown"
	case u.Username != "":
		return u.Username
	default:
		return "uid:" + u.Uid
	}
}

// CLIActor is who the command line acts as when no user is named: the
// device's admin context, with the OS user in the login.
func CLIActor(office string) store.Actor {
	return store.Actor{UserID: "cli", Login: "cli:" + OSUser(), Name: "command line", Role: "admin", Office: office}
}

// AuditCLI records one use of the command line: the command, as whom
// (login, "" when no user was named) and the flags given, by name only:
// their values (ID numbers, passwords' files, paths) stay out of the log.
func AuditCLI(ctx context.Context, st *store.DB, login, cmd string, args []string) error {
	var flags []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "" {
			flags = append(flags, "-"+name)
		}
	}
	who := "cli:" + OSUser()
	if login != "" {
		who += " as " + login
	}
	detail := "flags=" + strings.Join(flags, ",")
	return st.Audit(ctx, store.AuditEntry{UserID: "cli", Login: who, Action: ActionCLI, Target: cmd, Success: true, Detail: detail})
}
