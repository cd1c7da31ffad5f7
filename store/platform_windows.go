package store

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// On Windows a file mode protects nothing, and changing the attributes of a
// file SQLite holds open fails with a sharing violation. The folder that
// holds a store file is protected instead, with an access control list
// whose entries every file and folder made in it inherits: the WAL and
// shared-memory files, backups, attachments, documents, snapshots and the
// hub's files. The files themselves are never touched.

// privateFolder protects the folder of a store file before SQLite opens it,
// so the files SQLite creates inherit the protection from the start.
func privateFolder(path string) error { return ProtectFolder(filepath.Dir(path)) }

// Private protects the folder that holds the store file at path.
func Private(path string) error { return ProtectFolder(filepath.Dir(path)) }

// ProtectFolder gives dir an access control list that lets only the
// current user, SYSTEM and the Administrators group in, inherited by
// everything below it and not inheriting from the folders above it. A folder
// whose list already stops inheritance was set up on purpose (by the
// installer, for all clerks of the PC, or by an administrator) and is left
// as it is.
func ProtectFolder(dir string) error {
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("protect %s: %w", dir, err)
	}
	if ctl, _, err := sd.Control(); err == nil && ctl&windows.SE_DACL_PROTECTED != 0 {
		return nil
	}
	acl, err := ownerOnlyACL()
	if err != nil {
		return fmt.Errorf("protect %s: %w", dir, err)
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		return fmt.Errorf("protect %s: %w", dir, err)
	}
	return nil
}

// ownerOnlyACL grants full control to the current user, SYSTEM and the
// Administrators group, inherited by sub-folders and files.
func ownerOnlyACL() (*windows.ACL, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	sids := []*windows.SID{user.User.Sid}
	for _, w := range []windows.WELL_KNOWN_SID_TYPE{windows.WinLocalSystemSid, windows.WinBuiltinAdministratorsSid} {
		sid, err := windows.CreateWellKnownSid(w)
		if err != nil {
			return nil, err
		}
		sids = append(sids, sid)
	}
	var ea []windows.EXPLICIT_ACCESS
	for _, sid := range sids {
		ea = append(ea, windows.EXPLICIT_ACCESS{
			AccessPermissions: windows.GENERIC_ALL,
			AccessMode:        windows.GRANT_ACCESS,
			Inheritance:       windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT,
			Trustee: windows.TRUSTEE{
				TrusteeForm:  windows.TRUSTEE_IS_SID,
				TrusteeType:  windows.TRUSTEE_IS_UNKNOWN,
				TrusteeValue: windows.TrusteeValueFromSID(sid),
			},
		})
	}
	return windows.ACLFromEntries(ea, nil)
}

// fsyncDir does nothing on Windows: a folder opened for reading cannot be
// flushed there (FlushFileBuffers answers "Access denied"), and NTFS
// journals a rename itself.
func fsyncDir(dir string) error { return nil }
