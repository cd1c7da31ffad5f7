package syncclient

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"vetdesk/store"
	"vetdesk/syncapi"
)

// ErrPinMismatch: the hub presented a certificate other than the pinned one.
var ErrPinMismatch = errors.New("hub certificate does not match the pinned fingerprint")

// PinnedClient returns an HTTP client that accepts exactly the server
// certificate whose SHA-256 (of the DER leaf) is fingerprint, in any form
// syncapi.Fingerprint normalises, and refuses every other, CA-signed or
// not. The hub's certificate is self-signed, so chain checks do not apply;
// the pin is the check.
func PinnedClient(fingerprint string) *http.Client {
	want := syncapi.Fingerprint(fingerprint)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection's pin check
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrPinMismatch
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != want {
				return ErrPinMismatch
			}
			return nil
		},
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// ErrAlreadyEnrolled: the hub knows this device id and the code was not
// made for re-enrolling it: the admin makes one with
// `vetdesk-hub enrol --reenrol DEVICE_ID`.
var ErrAlreadyEnrolled = errors.New("device already enrolled with the hub: re-enrolment needs a code made for this device")

// EnrolOptions say how to reach the hub and with which code.
type EnrolOptions struct {
	HubURL      string // https://host:port
	Fingerprint string // SHA-256 of the hub certificate, as `vetdesk-hub enrol` prints it
	Code        string // the one-time code
	DeviceCode  string // the short code wanted for case numbers; empty: the hub picks
	// HTTPClient overrides the pinned client (tests, proxies).
	HTTPClient *http.Client
}

// Enrol trades a one-time code for a device credential and saves, in the
// store, the hub's address, the pinned fingerprint, the credential and the
// device's code, office and station, then the hub's configuration
// (catalogue version, police stations). Users arrive with the first round.
func Enrol(ctx context.Context, st Store, opt EnrolOptions) (syncapi.EnrolResponse, error) {
	dev, err := st.Device(ctx)
	if err != nil {
		return syncapi.EnrolResponse{}, err
	}
	hc := opt.HTTPClient
	if hc == nil {
		if opt.Fingerprint == "" {
			return syncapi.EnrolResponse{}, errors.New("enrol: no certificate fingerprint to pin")
		}
		hc = PinnedClient(opt.Fingerprint)
	}
	url := strings.TrimRight(opt.HubURL, "/")
	c := &Client{st: st, http: hc, url: url, now: time.Now}
	name, _ := os.Hostname()
	var resp syncapi.EnrolResponse
	err = c.do(ctx, http.MethodPost, syncapi.PathEnrol, syncapi.EnrolRequest{Code: opt.Code, DeviceID: dev.ID,
		DeviceCode: opt.DeviceCode, Name: name}, &resp)
	var he *HubError
	if errors.As(err, &he) && he.Code == syncapi.ErrEnrolled {
		return resp, fmt.Errorf("enrol: %w: %w", ErrAlreadyEnrolled, err)
	}
	if err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	if resp.DeviceID != dev.ID || resp.Token == "" {
		return resp, fmt.Errorf("enrol: hub answered for device %q", resp.DeviceID)
	}
	for k, v := range map[string]string{SettingHubURL: url, SettingFingerprint: syncapi.Fingerprint(opt.Fingerprint),
		SettingToken: resp.Token, SettingKind: resp.Kind, SettingDepartment: resp.Department, SettingCursor: "0",
		SettingRecoveryKey: resp.RecoveryKey} {
		if err := st.SetSetting(ctx, k, v); err != nil {
			return resp, fmt.Errorf("enrol: %w", err)
		}
	}
	if err := st.SetDevice(ctx, store.Device{ID: dev.ID, Code: resp.DeviceCode, Office: resp.Office, Station: resp.Station}); err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	c.tok = resp.Token
	if err := c.fetchConfig(ctx); err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	return resp, nil
}

// fetchConfig saves the hub's configuration in the store's settings.
func (c *Client) fetchConfig(ctx context.Context) error {
	have, err := c.st.Setting(ctx, SettingCatalogue)
	if err != nil {
		return err
	}
	var cfg syncapi.Config
	q := "?" + url.Values{syncapi.QueryHaveCatalogue: {have}}.Encode()
	sent := c.now()
	if err := c.do(ctx, http.MethodGet, syncapi.PathConfig+q, nil, &cfg); err != nil {
		return err
	}
	if !cfg.ServerTime.IsZero() {
		c.noteClock(cfg.ServerTime, sent, c.now())
	}
	ps, err := json.Marshal(cfg.PoliceStations)
	if err != nil {
		return err
	}
	if len(cfg.CatalogueFiles) > 0 {
		files, err := json.Marshal(cfg.CatalogueFiles)
		if err != nil {
			return err
		}
		// the files first: a version is recorded only once its files are held
		if err := c.st.SetSetting(ctx, SettingCatalogueFiles, string(files)); err != nil {
			return err
		}
	}
	if err := c.st.SetSetting(ctx, SettingCatalogue, cfg.CatalogueVersion); err != nil {
		return err
	}
	if cfg.Device.RecoveryKey != "" {
		if err := c.st.SetSetting(ctx, SettingRecoveryKey, cfg.Device.RecoveryKey); err != nil {
			return err
		}
	}
	return c.st.SetSetting(ctx, SettingPoliceStation, string(ps))
}
