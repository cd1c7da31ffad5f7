package sealvfs

import (
	"github.com/ncruces/go-sqlite3/util/vfsutil"
	"github.com/ncruces/go-sqlite3/vfs"
)

// PlainName is the name of the VFS that plaintext stores are opened with:
// the default VFS without memory mapping, as file:path?vfs=vetdesk-plain.
//
// Why: go-sqlite3 v0.37.0 crashes the process on a plaintext database
// with page checksums (a sealed snapshot rekeyed to plaintext has them).
// The default VFS's file offers memory mapping, so SQLite gets xFetch and
// xUnfetch. Once the checksum layer sees the checksums, it hides that
// mapper and returns a nil one. A checkpoint by a connection whose view of
// the WAL is stale calls xUnfetch(0, 0), and vfsUnfetch calls Close on the
// nil mapper. The store never asks for memory mapping (mmap_size is 0), so
// a VFS that offers none loses nothing. The sealed VFS offers none either.
const PlainName = "vetdesk-plain"

func init() {
	vfs.Register(PlainName, plainVFS{vfs.Find("")})
}

type plainVFS struct {
	vfs.VFS
}

func (p plainVFS) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, flags, err := vfsutil.WrapOpen(p.VFS, name, flags)
	if err != nil {
		return nil, flags, err
	}
	return &plainFile{File: f}, flags, nil
}

func (p plainVFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, flags, err := vfsutil.WrapOpenFilename(p.VFS, name, flags)
	if err != nil {
		return nil, flags, err
	}
	return &plainFile{File: f}, flags, nil
}

// plainFile passes every call to the default VFS's file except
// MemoryMapper, which it does not have.
type plainFile struct {
	vfs.File
}

func (x *plainFile) Unwrap() vfs.File                { return x.File }
func (x *plainFile) SharedMemory() vfs.SharedMemory  { return vfsutil.WrapSharedMemory(x.File) }
func (x *plainFile) LockState() vfs.LockLevel        { return vfsutil.WrapLockState(x.File) }
func (x *plainFile) PersistWAL() bool                { return vfsutil.WrapPersistWAL(x.File) }
func (x *plainFile) SetPersistWAL(keepWAL bool)      { vfsutil.WrapSetPersistWAL(x.File, keepWAL) }
func (x *plainFile) PowersafeOverwrite() bool        { return vfsutil.WrapPowersafeOverwrite(x.File) }
func (x *plainFile) SetPowersafeOverwrite(psow bool) { vfsutil.WrapSetPowersafeOverwrite(x.File, psow) }
func (x *plainFile) ChunkSize(size int)              { vfsutil.WrapChunkSize(x.File, size) }
func (x *plainFile) SizeHint(size int64) error       { return vfsutil.WrapSizeHint(x.File, size) }
func (x *plainFile) HasMoved() (bool, error)         { return vfsutil.WrapHasMoved(x.File) }
func (x *plainFile) Overwrite() error                { return vfsutil.WrapOverwrite(x.File) }
func (x *plainFile) SyncSuper(super string) error    { return vfsutil.WrapSyncSuper(x.File, super) }
func (x *plainFile) CommitPhaseTwo() error           { return vfsutil.WrapCommitPhaseTwo(x.File) }
func (x *plainFile) BeginAtomicWrite() error         { return vfsutil.WrapBeginAtomicWrite(x.File) }
func (x *plainFile) CommitAtomicWrite() error        { return vfsutil.WrapCommitAtomicWrite(x.File) }
func (x *plainFile) RollbackAtomicWrite() error      { return vfsutil.WrapRollbackAtomicWrite(x.File) }
func (x *plainFile) CheckpointStart()                { vfsutil.WrapCheckpointStart(x.File) }
func (x *plainFile) CheckpointDone()                 { vfsutil.WrapCheckpointDone(x.File) }
func (x *plainFile) BusyHandler(handler func() bool) { vfsutil.WrapBusyHandler(x.File, handler) }
func (x *plainFile) Pragma(name, value string) (string, error) {
	return vfsutil.WrapPragma(x.File, name, value)
}
