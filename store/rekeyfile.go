package store

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/sm4"
)

// sealSector is the unit of internal/sealvfs's encryption: SM4-XTS of
// GB/T 17964 over each 512-byte sector of the file, the sector number the
// tweak, the first half of the key the data key, the second the tweak key.
const sealSector = 512

// sectorCipher is one key of sealvfs's format.
type sectorCipher struct {
	key, tweakKey []byte
	data, tweak   cipher.Block
}

func newSectorCipher(key []byte) (*sectorCipher, error) {
	if len(key) != KeySize {
		return nil, ErrBadKey
	}
	k := bytes.Clone(key)
	c := &sectorCipher{key: k[:16], tweakKey: k[16:]}
	var err error
	if c.data, err = sm4.NewCipher(c.key); err != nil {
		return nil, err
	}
	if c.tweak, err = sm4.NewCipher(c.tweakKey); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *sectorCipher) block(k []byte) (cipher.Block, error) {
	switch {
	case len(k) == 16 && &k[0] == &c.key[0]:
		return c.data, nil
	case len(k) == 16 && &k[0] == &c.tweakKey[0]:
		return c.tweak, nil
	}
	return sm4.NewCipher(k)
}

func (c *sectorCipher) crypt(sector []byte, num uint64, encrypt bool) error {
	var m cipher.BlockMode
	var err error
	if encrypt {
		m, err = gmcipher.NewGBXTSEncrypterWithSector(c.block, c.key, c.tweakKey, num)
	} else {
		m, err = gmcipher.NewGBXTSDecrypterWithSector(c.block, c.key, c.tweakKey, num)
	}
	if err != nil {
		return err
	}
	m.CryptBlocks(sector, sector)
	return nil
}

// rekeyFile re-encrypts the closed SQLite file at path (with no WAL) in
// place, sector by sector, from the key from to the key to; nil on either
// side is plaintext. No second copy of the file is written: a snapshot of
// 100,000 cases is rekeyed at the speed of SM4, not of SQLite. The file is
// cut in chunks of rekeyChunk bytes that one goroutine per core (up to
// rekeyWorkers) takes in turn, each with its own ciphers and buffer: SM4
// is the cost (about 1.5 GB twice through it for 100,000 cases), and a
// desktop has more than one core. A cut run leaves a file that opens with
// neither key (its caller then fetches it again).
func rekeyFile(path string, from, to []byte) error {
	if from == nil && to == nil {
		return nil
	}
	for _, k := range [][]byte{from, to} {
		if k != nil && len(k) != KeySize {
			return ErrBadKey
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size%sealSector != 0 {
		return fmt.Errorf("rekey %s: size is not a multiple of %d", path, sealSector)
	}
	chunks := (size + rekeyChunk - 1) / rekeyChunk
	workers := int64(min(runtime.GOMAXPROCS(0), rekeyWorkers))
	workers = max(min(workers, chunks), 1)
	var next atomic.Int64 // the next chunk to take
	var failed atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			err := rekeyChunks(f, size, from, to, &next, &failed)
			if err != nil {
				failed.Store(true)
				errs[w] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rekey %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// rekeyChunk is the share of the file a rekeyFile worker takes at a time,
// rekeyWorkers the most workers it runs.
const (
	rekeyChunk   = 1 << 20
	rekeyWorkers = 8
)

// rekeyChunks is one worker of rekeyFile: it takes chunks of f by next
// until the end of the file or until failed.
func rekeyChunks(f *os.File, size int64, from, to []byte, next *atomic.Int64, failed *atomic.Bool) error {
	var dec, enc *sectorCipher
	var err error
	if from != nil {
		if dec, err = newSectorCipher(from); err != nil {
			return err
		}
	}
	if to != nil {
		if enc, err = newSectorCipher(to); err != nil {
			return err
		}
	}
	buf := make([]byte, rekeyChunk)
	for !failed.Load() {
		off := (next.Add(1) - 1) * rekeyChunk
		if off >= size {
			return nil
		}
		b := buf[:min(rekeyChunk, size-off)]
		if _, err := f.ReadAt(b, off); err != nil {
			return err
		}
		for i := 0; i < len(b); i += sealSector {
			num := uint64(off+int64(i)) / sealSector
			if dec != nil {
				if err := dec.crypt(b[i:i+sealSector], num, false); err != nil {
					return err
				}
			}
			if enc != nil {
				if err := enc.crypt(b[i:i+sealSector], num, true); err != nil {
					return err
				}
			}
		}
		if _, err := f.WriteAt(b, off); err != nil {
			return err
		}
	}
	return nil
}
