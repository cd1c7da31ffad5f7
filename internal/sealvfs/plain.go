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
	return &passFile{f}, flags, nil
}

func (p plainVFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, flags, err := vfsutil.WrapOpenFilename(p.VFS, name, flags)
	if err != nil {
		return nil, flags, err
	}
	return &passFile{f}, flags, nil
}
