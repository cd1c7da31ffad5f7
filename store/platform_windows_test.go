package store

import (
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// folderACL returns whether dir's access list stops inheritance and the
// SIDs it lets in.
func folderACL(t *testing.T, dir string) (protected bool, sids []string) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatalf("GetNamedSecurityInfo(%s) = %v", dir, err)
	}
	ctl, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	for i := uint16(0); dacl != nil && i < dacl.AceCount; i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, uint32(i), &ace); err != nil {
			t.Fatal(err)
		}
		if ace.Header.AceType == windows.ACCESS_ALLOWED_ACE_TYPE {
			sids = append(sids, (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String())
		}
	}
	return ctl&windows.SE_DACL_PROTECTED != 0, sids
}

// TestOpenProtectsTheFolderOnWindows: opening a store closes its folder
// to everyone but the user, SYSTEM and the Administrators (the WAL and
// shared-memory files and everything else in it inherit that), without
// touching the files SQLite holds open.
func TestOpenProtectsTheFolderOnWindows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "退役 数据")
	db, err := Open(filepath.Join(dir, "vetdesk.db"), Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{user.User.Sid.String(), "S-1-5-18", "S-1-5-32-544"}
	protected, sids := folderACL(t, dir)
	slices.Sort(want)
	slices.Sort(sids)
	if !protected || !slices.Equal(sids, want) {
		t.Errorf("data folder: protected %v, allowed %v; want protected, allowed only %v", protected, sids, want)
	}
}

// TestProtectFolderKeepsAProtectedList: a folder whose access list an
// installer or administrator set (it stops inheritance) is left as it is,
// so the clerks of a PC keep sharing it.
func TestProtectFolderKeepsAProtectedList(t *testing.T) {
	dir := t.TempDir()
	users, err := windows.CreateWellKnownSid(windows.WinBuiltinUsersSid)
	if err != nil {
		t.Fatal(err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL, AccessMode: windows.GRANT_ACCESS,
		Inheritance: windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT,
		Trustee:     windows.TRUSTEE{TrusteeForm: windows.TRUSTEE_IS_SID, TrusteeValue: windows.TrusteeValueFromSID(users)},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		t.Fatal(err)
	}
	if err := ProtectFolder(dir); err != nil {
		t.Fatalf("ProtectFolder = %v", err)
	}
	if _, sids := folderACL(t, dir); !slices.Equal(sids, []string{"S-1-5-32-545"}) {
		t.Errorf("installer's list after ProtectFolder: %v, want it kept (Users only)", sids)
	}
}
