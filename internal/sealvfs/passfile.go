package sealvfs

import (
	"github.com/ncruces/go-sqlite3/util/vfsutil"
	"github.com/ncruces/go-sqlite3/vfs"
)

// passFile passes every call, and every optional method of go-sqlite3's
// vfs package but MemoryMapper, to the file it wraps: the plaintext files
// of plainVFS, and the base of sealFile, which overrides what it changes.
type passFile struct {
	vfs.File
}

func (x *passFile) Unwrap() vfs.File                { return x.File }
func (x *passFile) SharedMemory() vfs.SharedMemory  { return vfsutil.WrapSharedMemory(x.File) }
func (x *passFile) LockState() vfs.LockLevel        { return vfsutil.WrapLockState(x.File) }
func (x *passFile) PersistWAL() bool                { return vfsutil.WrapPersistWAL(x.File) }
func (x *passFile) SetPersistWAL(keepWAL bool)      { vfsutil.WrapSetPersistWAL(x.File, keepWAL) }
func (x *passFile) PowersafeOverwrite() bool        { return vfsutil.WrapPowersafeOverwrite(x.File) }
func (x *passFile) SetPowersafeOverwrite(psow bool) { vfsutil.WrapSetPowersafeOverwrite(x.File, psow) }
func (x *passFile) ChunkSize(size int)              { vfsutil.WrapChunkSize(x.File, size) }
func (x *passFile) SizeHint(size int64) error       { return vfsutil.WrapSizeHint(x.File, size) }
func (x *passFile) HasMoved() (bool, error)         { return vfsutil.WrapHasMoved(x.File) }
func (x *passFile) Overwrite() error                { return vfsutil.WrapOverwrite(x.File) }
func (x *passFile) SyncSuper(super string) error    { return vfsutil.WrapSyncSuper(x.File, super) }
func (x *passFile) CommitPhaseTwo() error           { return vfsutil.WrapCommitPhaseTwo(x.File) }
func (x *passFile) BeginAtomicWrite() error         { return vfsutil.WrapBeginAtomicWrite(x.File) }
func (x *passFile) CommitAtomicWrite() error        { return vfsutil.WrapCommitAtomicWrite(x.File) }
func (x *passFile) RollbackAtomicWrite() error      { return vfsutil.WrapRollbackAtomicWrite(x.File) }
func (x *passFile) CheckpointStart()                { vfsutil.WrapCheckpointStart(x.File) }
func (x *passFile) CheckpointDone()                 { vfsutil.WrapCheckpointDone(x.File) }
func (x *passFile) BusyHandler(handler func() bool) { vfsutil.WrapBusyHandler(x.File, handler) }
func (x *passFile) Pragma(name, value string) (string, error) {
	return vfsutil.WrapPragma(x.File, name, value)
}
