package counter

import (
	"context"
	"os/user"
	"strings"
	"testing"
)

// TestCLIAuditNamesTheOSUser guards CLI use in the audit: the entry names
// the account the process runs as (os/user), not $USER or %USERNAME%,
// which anyone sets, and keeps flag values (an ID number here) out.
func TestCLIAuditNamesTheOSUser(t *testing.T) {
	u, err := user.Current()
	if err != nil || u.Username == "" {
		t.Skipf("no named OS user: %v", err)
	}
	t.Setenv("USER", "someone-else")
	t.Setenv("USERNAME", "someone-else")
	t.Setenv("LOGNAME", "someone-else")
	if got := OSUser(); got != u.Username {
		t.Errorf("OSUser() = %q, want %q", got, u.Username)
	}
	r := newRig(t)
	ctx := context.Background()
	if err := AuditCLI(ctx, r.st, "admin", "verify", []string{"-id", "371002196505051234", "--root=x", "VDL1.abc"}); err != nil {
		t.Fatal(err)
	}
	log, err := r.st.AuditLog(ctx, 1)
	if err != nil || len(log) != 1 {
		t.Fatalf("AuditLog = %v, %v", log, err)
	}
	e := log[0]
	if e.Action != ActionCLI || e.Target != "verify" || e.Login != "cli:"+u.Username+" as admin" {
		t.Errorf("entry = %+v, want cli verify by cli:%s as admin", e, u.Username)
	}
	if e.Detail != "flags=-id,-root" || strings.Contains(e.Detail, "3710") {
		t.Errorf("detail = %q, want the flags' names only", e.Detail)
	}
	if a := CLIActor("371002"); a.Login != "cli:"+u.Username {
		t.Errorf("CLIActor().Login = %q", a.Login)
	}
}
