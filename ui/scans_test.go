package ui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/scan"
)

// TestScansLandInCase drops a large photo into the document camera's
// folder and scans a page from SANE's test backend during an intake: both
// are offered or taken for the chosen material, stored as JPEGs within the
// pixel limit, and are the case's materials once it is accepted.
func TestScansLandInCase(t *testing.T) {
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Skip("scanimage missing (Debian sane-utils; make installs it)")
	}
	sane := t.TempDir()
	if err := os.WriteFile(filepath.Join(sane, "dll.conf"), []byte("test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SANE_CONFIG_DIR", sane) // only SANE's test backend
	camera := t.TempDir()

	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	set := NewSettingsScreen(f.desk)
	set.Scans.Folder.SetText(camera)
	set.Scans.Device.SetText("test:0")
	set.Save()
	if set.Message.Text != T("settings.saved") {
		t.Fatalf("saving the scanners in 设置: %q", set.Message.Text)
	}

	s := NewIntakeScreen(f.desk)
	offered := make(chan string, 4)
	s.scans.onOffer = func(p string) { offered <- p }
	t.Cleanup(s.Leave)
	f.fillIntake(t, s, false)
	if s.scans.stop == nil {
		t.Fatal("the intake does not watch the camera's folder")
	}
	// locking stops the watch and unlocking starts it again
	f.desk.Lock()
	if s.scans.stop != nil {
		t.Errorf("the camera's folder is watched behind the lock")
	}
	ls := f.desk.locked.screen
	ls.Password.SetText("clerk-pass-1")
	ls.unlock()
	if s.scans.stop == nil {
		t.Fatal("after unlocking the intake no longer watches the camera's folder")
	}

	// the camera's software saves a 12-megapixel photo
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for y := 0; y < 3000; y += 3 {
		for x := 0; x < 4000; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var photo bytes.Buffer
	png.Encode(&photo, img)
	shot := filepath.Join(camera, "IMG_0001.png")
	if err := os.WriteFile(shot, photo.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-offered:
		if p != shot {
			t.Fatalf("offered %s, want %s", p, shot)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the camera's new image was not offered within 30 s")
	}
	if !s.scans.offerRow.Visible() {
		t.Errorf("the offer is not shown")
	}
	s.collecting("discharge_cert") // the clerk is at the 退役证 line
	test.Tap(s.scans.Attach)
	test.Tap(s.scans.ScanBtn)
	if s.scans.Info.Text != T("scan.done", map[string]any{"Material": f.cat.Material("discharge_cert").Name}) {
		t.Fatalf("after scanning: %q", s.scans.Info.Text)
	}

	test.Tap(s.Accept)
	if s.C.State != casework.CaseAccepted {
		t.Fatalf("case not accepted: %s", s.Problems.Text)
	}
	c, err := f.st.Case(context.Background(), s.C.ID)
	if err != nil {
		t.Fatal(err)
	}
	atts := c.Materials["discharge_cert"].Attachments
	if len(atts) != 2 {
		t.Fatalf("accepted case's 退役证 has %d scans, want the camera's and the scanner's", len(atts))
	}
	for i, h := range atts {
		rc, err := f.st.OpenAttachment(h)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		j, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("scan %d stored as %d bytes that are no JPEG: %v", i, len(b), err)
		}
		if px := j.Bounds().Dx() * j.Bounds().Dy(); px > scan.DefaultLimits.MaxPixels {
			t.Errorf("scan %d stored at %d pixels, over the limit", i, px)
		}
		t.Logf("scan %d: %v, %d bytes", i, j.Bounds(), len(b))
	}
	if len(s.scans.pending) != 0 || s.scans.offerRow.Visible() {
		t.Errorf("offer still shown after attaching")
	}
}
