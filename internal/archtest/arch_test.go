// Package archtest keeps the import directions of STYLE.md: it fails when a
// package imports something its layer may not.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps,Name", "vetdesk/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	if len(pkgs) < 3 {
		t.Fatalf("go list found %d packages, want the whole module", len(pkgs))
	}
	return pkgs
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != "vetdesk"
}

// allowed lists, per package, the non-standard imports it may have (as
// prefixes). A package not listed may import anything but the rules below.
var allowed = map[string][]string{
	"vetdesk/casework":   {},
	"vetdesk/assets":     {},
	"vetdesk/syncapi":    {},
	"vetdesk/fontset":    {"golang.org/x/image/", "vetdesk/assets"},
	"vetdesk/store":      {"vetdesk/casework", "vetdesk/internal/opsig", "vetdesk/internal/sealvfs", "github.com/emmansun/gmsm/", "github.com/ncruces/go-sqlite3", "golang.org/x/crypto/", "github.com/google/uuid", "golang.org/x/sys/windows"},
	"vetdesk/printing":   {"vetdesk/casework", "vetdesk/assets", "vetdesk/fontset", "codeberg.org/go-pdf/fpdf", "github.com/skip2/go-qrcode", "golang.org/x/image/", "golang.org/x/sys/windows"},
	"vetdesk/report":     {"vetdesk/casework", "github.com/xuri/excelize/v2"},
	"vetdesk/syncclient": {"vetdesk/syncapi", "vetdesk/casework", "vetdesk/store", "vetdesk/internal/opwire", "vetdesk/internal/opsig", "vetdesk/internal/letterseal"},
	// the hub reuses the store package for its replica, so the merge is written once
	"vetdesk/hub": {"vetdesk/syncapi", "vetdesk/casework", "vetdesk/assets", "vetdesk/store", "vetdesk/internal/sealvfs", "vetdesk/internal/opwire", "vetdesk/internal/opsig", "vetdesk/internal/keyring", "vetdesk/internal/letterseal", "github.com/emmansun/gmsm/", "github.com/ncruces/go-sqlite3", "golang.org/x/crypto/", "golang.org/x/net/netutil", "github.com/google/uuid"},

	// ID card reader SDKs loaded at run time (#14): purego / x/sys/windows, BMP and GB 18030 decoding
	"vetdesk/idreader": {"github.com/ebitengine/purego", "golang.org/x/sys/windows", "golang.org/x/image/", "golang.org/x/text/"},
	// document camera folder and SANE scans (#14)
	"vetdesk/scan": {"github.com/fsnotify/fsnotify", "golang.org/x/image/"},

	// op signatures (#17.5): SM2 and SM4 of gmsm, Argon2id
	"vetdesk/internal/opsig": {"github.com/emmansun/gmsm/", "golang.org/x/crypto/"},
	// the store's key file (#12): the wrap of opsig, SM2 and SM4 of gmsm, DPAPI on Windows
	"vetdesk/internal/keyring": {"vetdesk/internal/opsig", "github.com/emmansun/gmsm/", "golang.org/x/sys/windows"},
	// the signed hukou letter (#12): SM3 of gmsm, keys of opsig
	"vetdesk/internal/letterseal": {"github.com/emmansun/gmsm/", "vetdesk/internal/opsig"},
	// the SM4-XTS VFS of the sealed stores (#12)
	"vetdesk/internal/sealvfs": {"github.com/ncruces/go-sqlite3", "github.com/emmansun/gmsm/", "golang.org/x/crypto/"},
}

// fyneAllowed may depend on fyne; nothing else may.
var fyneAllowed = map[string]bool{"vetdesk/ui": true, "vetdesk/cmd/vetdesk": true}

// violations returns what p breaks.
func violations(p pkg) []string {
	var out []string
	if rules, ok := allowed[p.ImportPath]; ok {
		for _, imp := range p.Imports {
			if isStd(imp) {
				continue
			}
			ok := false
			for _, r := range rules {
				ok = ok || imp == r || strings.HasPrefix(imp, r)
			}
			if !ok {
				out = append(out, p.ImportPath+" imports "+imp)
			}
		}
	}
	for _, d := range p.Deps {
		switch {
		case strings.HasPrefix(d, "fyne.io/") && !fyneAllowed[p.ImportPath]:
			out = append(out, p.ImportPath+" depends on fyne ("+d+"); only ui and cmd/vetdesk may")
		case d == "fyne.io/fyne/v2/app" && p.ImportPath == "vetdesk/ui":
			out = append(out, "ui depends on fyne.io/fyne/v2/app; only cmd/vetdesk makes the app")
		case d == "testing" && !strings.HasPrefix(p.ImportPath, "vetdesk/internal/"):
			out = append(out, "production package "+p.ImportPath+" depends on testing")
		}
	}
	return out
}

func TestImportDirections(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, v := range violations(p) {
			t.Error(v)
		}
	}
}

// TestRulesCatchViolations proves the checker is not vacuous.
func TestRulesCatchViolations(t *testing.T) {
	tests := []struct {
		p    pkg
		want int
	}{
		{pkg{ImportPath: "vetdesk/casework", Imports: []string{"fmt", "fyne.io/fyne/v2"}}, 1},
		{pkg{ImportPath: "vetdesk/casework", Imports: []string{"vetdesk/store"}}, 1},
		{pkg{ImportPath: "vetdesk/store", Deps: []string{"fyne.io/fyne/v2/widget"}}, 1},
		{pkg{ImportPath: "vetdesk/ui", Deps: []string{"fyne.io/fyne/v2/app"}}, 1},
		{pkg{ImportPath: "vetdesk/report", Deps: []string{"testing"}}, 1},
		{pkg{ImportPath: "vetdesk/store", Imports: []string{"vetdesk/casework", "github.com/ncruces/go-sqlite3"}}, 0},
	}
	for _, tt := range tests {
		if got := violations(tt.p); len(got) != tt.want {
			t.Errorf("violations(%+v) = %v, want %d", tt.p, got, tt.want)
		}
	}
}
