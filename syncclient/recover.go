package syncclient

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"vetdesk/syncapi"
)

// RecoverOptions say which hub opens a recovery wrap, over the pinned TLS.
type RecoverOptions struct {
	HubURL      string // https://host:port; anything else is refused (ErrNotHTTPS)
	Fingerprint string
	Request     syncapi.RecoverRequest
}

// Recover asks the hub to open a desk's recovery wrap and returns the
// master key. It needs no store: the store is what the lost password locks.
func Recover(ctx context.Context, opt RecoverOptions) ([]byte, error) {
	url, err := hubURL(opt.HubURL)
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	fp, err := pin(opt.Fingerprint)
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	c := &Client{http: pinnedClient(fp, nil), url: url, now: time.Now}
	var resp syncapi.RecoverResponse
	if err := c.do(ctx, http.MethodPost, syncapi.PathRecover, opt.Request, &resp); err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(resp.MasterKey)
	if err != nil || len(key) == 0 {
		return nil, errors.New("recover: the hub's answer holds no key")
	}
	return key, nil
}
