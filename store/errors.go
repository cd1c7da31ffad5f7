package store

import (
	"database/sql"
	"errors"
)

// Errors callers check with errors.Is.
var (
	// ErrNotFound: no such case, user, attachment, conflict or op.
	ErrNotFound = errors.New("not found")
	// ErrForeignFile: the file is not a vetdesk store (other application_id,
	// or not SQLite at all).
	ErrForeignFile = errors.New("not a vetdesk store")
	// ErrNewerSchema: the file was written by a newer vetdesk.
	ErrNewerSchema = errors.New("store schema is newer than this program")
	// ErrBadCredentials: unknown login, wrong password or disabled user.
	ErrBadCredentials = errors.New("bad credentials")
	// ErrLocked: too many failed logins; try again later.
	ErrLocked = errors.New("user locked out")
	// ErrForbidden: the actor's role may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrNoDeviceCode: the device has no short code yet, so no case number
	// can be made.
	ErrNoDeviceCode = errors.New("device has no code")
	// ErrBadOp: an operation is malformed.
	ErrBadOp = errors.New("malformed operation")
	// ErrCorrupt: a backup failed its integrity check.
	ErrCorrupt = errors.New("database integrity check failed")
	// ErrWrongKey: a sealed store, backup or snapshot did not open with the
	// key given (another key, no key, or a file that is not sealed at all).
	ErrWrongKey = errors.New("wrong key for this sealed store")
	// ErrBadKey: a key is not KeySize bytes.
	ErrBadKey = errors.New("a store key must be 32 bytes")
	// ErrPathTooLong: a store, backup or snapshot path is longer than
	// MaxPathLen bytes (SQLite's own limit is near it).
	ErrPathTooLong = errors.New("the path is too long for a store file")
)

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
