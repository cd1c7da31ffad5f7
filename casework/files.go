package casework

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// CatalogueFiles reads the JSON files of the catalogue folder dir of fsys,
// by name: what a hub sends its devices so they work under the same
// catalogue as the hub.
func CatalogueFiles(fsys fs.FS, dir string) (map[string]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("catalogue files: %w", err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("catalogue files: %w", err)
		}
		files[e.Name()] = string(b)
	}
	if _, ok := files[FileMeta]; !ok {
		return nil, fmt.Errorf("catalogue files: %s missing in %s", FileMeta, dir)
	}
	return files, nil
}

// LoadCatalogueFiles loads and validates a catalogue from files as
// CatalogueFiles returns them.
func LoadCatalogueFiles(files map[string]string, areas AreaCodes) (*Catalogue, error) {
	return LoadCatalogue(memFS(files), ".", areas)
}

// memFS is a read-only folder of files held in memory.
type memFS map[string]string

func (m memFS) ReadFile(name string) ([]byte, error) {
	s, ok := m[strings.TrimPrefix(name, "./")]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return []byte(s), nil
}

func (m memFS) Open(name string) (fs.File, error) {
	if name == "." {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		return &memDir{names: names, files: m}, nil
	}
	s, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader([]byte(s)), info: memInfo{name: name, size: int64(len(s))}}, nil
}

type memFile struct {
	*bytes.Reader
	info memInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	names []string
	files memFS
	pos   int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{name: ".", dir: true}, nil }
func (d *memDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *memDir) Close() error               { return nil }

// ReadDir lists the files, as fs.ReadDir expects of a directory.
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	var out []fs.DirEntry
	for d.pos < len(d.names) && (n <= 0 || len(out) < n) {
		name := d.names[d.pos]
		out = append(out, fs.FileInfoToDirEntry(memInfo{name: name, size: int64(len(d.files[name]))}))
		d.pos++
	}
	if n > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
