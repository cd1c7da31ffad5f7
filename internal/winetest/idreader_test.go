package winetest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vetdesk/internal/fakeidcard"
)

// TestIDReaderUnderWine runs idreader's reading tests as a Windows program
// under Wine: the Windows binding (golang.org/x/sys/windows LoadDLL, a
// reflect-made function per SDK export) against the fake SDKs built as
// DLLs with mingw-w64 (sdtapi.dll with WltRS.dll's GetBmp beside it, and
// termb.dll writing zp.bmp beside itself), in a folder whose path has a
// space. It needs no vetdesk.exe, only a Wine prefix.
func TestIDReaderUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the ID card reader's Windows binding is not run under Wine")
	}
	bin := wineLoader()
	if bin == "" {
		t.Skip("wine64 is not installed (make test installs it)")
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		t.Skip("mingw-w64 is not installed (make test installs it)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	w := &wine{bin: bin, prefix: filepath.Join(t.TempDir(), "prefix")}
	start := time.Now()
	if out, err := exec.Command(filepath.Join(root, "scripts", "wine", "prefix.sh"), w.prefix, t.TempDir()).CombinedOutput(); err != nil {
		t.Fatalf("scripts/wine/prefix.sh = %v\n%s", err, out)
	}
	t.Cleanup(func() {
		k := exec.Command("wineserver", "-k")
		k.Env = w.env()
		_ = k.Run()
	})
	t.Logf("Wine prefix: %s", time.Since(start).Round(100*time.Millisecond))

	dir := filepath.Join(w.prefix, "drive_c", "reader sdk")
	if _, err := fakeidcard.BuildFor(dir, "windows"); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "idreader.test.exe")
	build := exec.Command("go", "test", "-c", "-o", exe, "./idreader/")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c for Windows = %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tests := []string{"TestGeneralReadsCardThroughLibrary", "TestHuashiReadsCardThroughLibrary", "TestGeneralWithoutPhotoLibraryStillReadsText", "TestReadErrors"}
	cmd := exec.CommandContext(ctx, w.bin, exe, "-test.v", "-test.count=1", "-test.run", "^("+strings.Join(tests, "|")+")$")
	cmd.Env = append(w.env(), fakeidcard.EnvDir+"="+w.winPath(dir))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("idreader.test.exe under Wine:\n%s", out.String())
	if err != nil {
		t.Fatalf("idreader.test.exe = %v", err)
	}
	for _, name := range tests {
		if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(out.String()) {
			t.Errorf("%s did not pass under Wine", name)
		}
	}
	if strings.Contains(out.String(), "--- SKIP") {
		t.Errorf("a test skipped under Wine")
	}
}
