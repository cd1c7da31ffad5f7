package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"vetdesk/internal/sealvfs"
	"vetdesk/store"
)

// hubKeyEnv names the variable that gives the hub's data key as 64 hex
// digits, instead of the key file.
const hubKeyEnv = "VETDESK_HUB_KEY"

// hubKeyName is the key file in the data folder when -key-file is not given.
const hubKeyName = "hub.key"

// hubKey returns the hub's data key: from $VETDESK_HUB_KEY when set, else
// from the key file (-key-file, default hub.key in the data folder), which
// is made owner-only with a new random key when it does not exist yet.
// The key file holds the key as 64 hex digits and a newline.
func hubKey(c *common) ([]byte, error) {
	if v, ok := os.LookupEnv(hubKeyEnv); ok {
		key, err := hex.DecodeString(strings.TrimSpace(v))
		if err != nil || len(key) != store.KeySize {
			return nil, fmt.Errorf("$%s: want %d hex digits", hubKeyEnv, 2*store.KeySize)
		}
		return key, nil
	}
	path := c.keyFile
	if path == "" {
		path = filepath.Join(c.data, hubKeyName)
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		// a new key only for a folder that holds no sealed data yet: a lost
		// or forgotten key must not become a second key
		if sealed, err := store.IsSealed(filepath.Join(c.data, "replica.db")); err == nil && sealed {
			return nil, fmt.Errorf("hub key %s is missing, and the data folder is sealed with a key: give it with -key-file or $%s", path, hubKeyEnv)
		}
		return newHubKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != store.KeySize {
		return nil, fmt.Errorf("hub key %s: want %d hex digits", path, 2*store.KeySize)
	}
	return key, nil
}

// newHubKey writes a new random key to path, owner-only, never over an
// existing file (O_EXCL).
func newHubKey(path string) ([]byte, error) {
	key, err := sealvfs.NewKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	if err := store.Private(path); err != nil && !errors.Is(err, os.ErrPermission) {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("hub key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("hub key: %w", err)
	}
	return key, f.Close()
}
