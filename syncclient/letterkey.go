package syncclient

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// Settings of the desk's letter key (#12). The private half is a
// credential no backup holds (store.SettingLetterKey).
const (
	SettingLetterKey  = store.SettingLetterKey // the private scalar, hex
	SettingLetterCert = "seal.cert"            // its certificate by the hub, base64
	SettingHubRootKey = "seal.hub_root"        // the hub's root public key, hex: offline verification
)

// LetterKeyRenew is how long before its certificate ends a desk asks for
// a new one.
const LetterKeyRenew = 90 * 24 * time.Hour

// ErrNoLetterKey: the desk holds no certified letter key (not enrolled,
// a department desk, a hub too old, or not synced since enrolment or a
// restore on another machine).
var ErrNoLetterKey = errors.New("no certified letter key: sync with the hub first")

// LetterKey is the desk's certified letter key.
type LetterKey struct {
	Key  *opsig.Key
	Cert []byte
	Root *opsig.PublicKey // the hub's root key
}

type settings interface {
	Setting(ctx context.Context, key string) (string, error)
}

// LoadLetterKey reads the desk's letter key, its certificate and the hub's
// root key from the store's settings and checks they belong together;
// ErrNoLetterKey when any is missing or they do not.
func LoadLetterKey(ctx context.Context, st settings) (LetterKey, error) {
	var v [3]string
	for i, k := range []string{SettingLetterKey, SettingLetterCert, SettingHubRootKey} {
		s, err := st.Setting(ctx, k)
		if err != nil {
			return LetterKey{}, fmt.Errorf("letter key: %w", err)
		}
		if s == "" {
			return LetterKey{}, ErrNoLetterKey
		}
		v[i] = s
	}
	d, err1 := hex.DecodeString(v[0])
	cert, err2 := base64.StdEncoding.DecodeString(v[1])
	if err := errors.Join(err1, err2); err != nil {
		return LetterKey{}, fmt.Errorf("letter key: %w: %w", ErrNoLetterKey, err)
	}
	key, err := opsig.ParseKey(d)
	if err != nil {
		return LetterKey{}, fmt.Errorf("letter key: %w: %w", ErrNoLetterKey, err)
	}
	root, err := opsig.ParsePublic(v[2])
	if err != nil {
		return LetterKey{}, fmt.Errorf("letter key: %w: %w", ErrNoLetterKey, err)
	}
	c, err := letterseal.ParseCert(cert)
	if err != nil || c.Check(root) != nil || c.Pub.String() != key.PublicKey().String() {
		return LetterKey{}, fmt.Errorf("letter key: %w: the certificate is not the key's or not the hub's", ErrNoLetterKey)
	}
	return LetterKey{Key: key, Cert: cert, Root: root}, nil
}

// HubRootKey returns the hub's root public key the desk keeps, for offline
// verification; ErrNoLetterKey when it has none.
func HubRootKey(ctx context.Context, st settings) (*opsig.PublicKey, error) {
	s, err := st.Setting(ctx, SettingHubRootKey)
	if err != nil {
		return nil, err
	}
	if s == "" {
		return nil, ErrNoLetterKey
	}
	return opsig.ParsePublic(s)
}

// ensureLetterKey gets the desk's letter key certified when it has none,
// when the certificate names another code or office than the desk's now,
// or ends within LetterKeyRenew. Only station desks sign letters. A hub
// without the endpoint (before version 6) is left alone.
func (c *Client) ensureLetterKey(ctx context.Context) error {
	if kind, _ := c.st.Setting(ctx, SettingKind); kind != syncapi.KindStation {
		return nil
	}
	dev, err := c.st.Device(ctx)
	if err != nil {
		return err
	}
	if lk, err := LoadLetterKey(ctx, c.st); err == nil {
		cert, _ := letterseal.ParseCert(lk.Cert)
		if cert.Desk == dev.Code && cert.Office == dev.Office && c.now().Add(LetterKeyRenew).Before(cert.NotAfter) {
			return nil
		}
	}
	// a new key each time: one certified key per desk key, never reused
	// after a move to another code or office
	key, err := opsig.NewKey()
	if err != nil {
		return err
	}
	var resp syncapi.LetterKeyResponse
	err = c.do(ctx, http.MethodPost, syncapi.PathLetterKey, syncapi.LetterKeyRequest{PublicKey: key.Public()}, &resp)
	var he *HubError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		return nil // a hub before version 6
	}
	if err != nil {
		return fmt.Errorf("letter key: %w", err)
	}
	root, err := opsig.ParsePublic(resp.RootKey)
	if err != nil {
		return fmt.Errorf("letter key: hub root key: %w", err)
	}
	cert, err := letterseal.ParseCert(resp.Certificate)
	if err != nil || cert.Check(root) != nil || cert.Pub.String() != key.Public() || cert.Desk != dev.Code {
		return errors.New("letter key: the hub's certificate is not for this key and desk")
	}
	// a cut between these writes leaves a key its certificate does not
	// match: LoadLetterKey refuses the pair and the next round certifies anew
	for _, kv := range [][2]string{{SettingLetterKey, hex.EncodeToString(key.Bytes())},
		{SettingLetterCert, base64.StdEncoding.EncodeToString(resp.Certificate)}, {SettingHubRootKey, resp.RootKey}} {
		if err := c.st.SetSetting(ctx, kv[0], kv[1]); err != nil {
			return fmt.Errorf("letter key: %w", err)
		}
	}
	return nil
}
