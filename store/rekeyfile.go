package store

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"os"

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
// 100,000 cases is rekeyed at the speed of SM4, not of SQLite. A cut run
// leaves a file that opens with neither key (its caller then fetches it
// again).
func rekeyFile(path string, from, to []byte) error {
	if from == nil && to == nil {
		return nil
	}
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
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 256*sealSector)
	for off := int64(0); ; {
		n, rerr := io.ReadFull(f, buf)
		if n%sealSector != 0 {
			return fmt.Errorf("rekey %s: size is not a multiple of %d", path, sealSector)
		}
		for i := 0; i < n; i += sealSector {
			num := uint64(off+int64(i)) / sealSector
			if dec != nil {
				if err := dec.crypt(buf[i:i+sealSector], num, false); err != nil {
					return err
				}
			}
			if enc != nil {
				if err := enc.crypt(buf[i:i+sealSector], num, true); err != nil {
					return err
				}
			}
		}
		if n > 0 {
			if _, err := f.WriteAt(buf[:n], off); err != nil {
				return err
			}
		}
		off += int64(n)
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		} else if rerr != nil {
			return rerr
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}
