package keyring

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// The key file is changed by read, change, write: the window keeps its
// ring open for hours, and the command line (rotate-key, recover, restore,
// any -as command whose login wraps a key) opens another. Each change
// therefore takes an OS lock on a file beside the key file (LockName:
// flock on unix, LockFileEx on Windows, see lock_*.go), reads the key file
// again under it, changes what it read and writes it back, so that neither
// writer loses the other's wrap. A change of several steps (a rotation:
// the next key, the store re-keyed, committed) holds the lock throughout
// (Hold). The OS drops the lock of a process that dies, so a crash leaves
// no stale lock; the lock file itself stays (removing it would let two
// processes lock two different files).

// LockSuffix names the lock file beside the key file.
const LockSuffix = ".lock"

// ErrBusy: another process (or another ring of the same file) holds the
// key file's lock longer than lockWait.
var ErrBusy = errors.New("another vetdesk is changing the keys; try again")

// lockWait is how long a change waits for the lock before ErrBusy: the
// other side's change is usually a single write; a rotation of a large
// store holds it for as long as the re-encryption takes.
var lockWait = 2 * time.Second

const lockPoll = 50 * time.Millisecond

// lock takes the key file's lock for r, or counts one more hold when r has
// it already; release gives it back when the last hold ends.
func (r *Ring) lock() (release func(), err error) {
	if r.lk == nil {
		f, err := os.OpenFile(r.path+LockSuffix, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("keyring: lock: %w", err)
		}
		deadline := time.Now().Add(lockWait)
		for {
			ok, err := tryLockFile(f)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("keyring: lock: %w", err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				f.Close()
				return nil, ErrBusy
			}
			time.Sleep(lockPoll)
		}
		r.lk = f
	}
	r.holds++
	return func() {
		if r.holds--; r.holds == 0 {
			_ = unlockFile(r.lk)
			r.lk.Close()
			r.lk = nil
		}
	}, nil
}

// Hold takes the key file's lock for a change of several steps, such as a
// rotation (Rotate, the store re-keyed, Committed), and returns its
// release; the changes r makes meanwhile do not take it again. While r
// holds it, another process's change fails with ErrBusy.
func (r *Ring) Hold() (release func(), err error) { return r.lock() }

// update makes one change to the key file under its lock: the file is read
// again (another process may have written it since r read it), change is
// applied to what was read, and the result is written back. A ring not on
// disk yet (New before its first user, Import before Install) changes in
// memory. When r is unlocked, the file read must be of the same master key
// (a key file restored from another store meanwhile is ErrNotMaster).
func (r *Ring) update(change func() error) error {
	if r.imported {
		if err := change(); err != nil && err != errNoChange {
			return err
		}
		return nil
	}
	release, err := r.lock()
	if err != nil {
		return err
	}
	defer release()
	if err := r.reload(); err != nil {
		return err
	}
	if err := change(); err == errNoChange {
		return nil
	} else if err != nil {
		return err
	}
	return r.save()
}

// errNoChange tells update that change found nothing to do.
var errNoChange = errors.New("keyring: no change")

// reload reads the key file again into r (nothing when it is not written
// yet).
func (r *Ring) reload() error {
	f, err := readFile(r.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if r.master != nil {
		old := r.f
		r.f = f
		if _, err := r.DataKeys(); err != nil {
			r.f = old
			return fmt.Errorf("keyring: %s changed to another store's: %w", r.path, ErrNotMaster)
		}
		return nil
	}
	r.f = f
	return nil
}
