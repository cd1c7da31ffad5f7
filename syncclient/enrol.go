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

// ErrNotHTTPS: the hub address is not an https:// one. Device traffic
// goes only over TLS with the pinned certificate: plain http would carry
// the enrolment code, the device credential and the cases in clear, and
// the pin would check nothing.
var ErrNotHTTPS = errors.New("hub address must start with https:// (plain http is refused: it would carry the enrolment code, the device credential and the cases in clear)")

// ErrBadFingerprint: the fingerprint to pin is not a SHA-256 (64 hex
// digits, with or without colons, as vetdesk-hub enrol prints it).
var ErrBadFingerprint = errors.New("certificate fingerprint must be the 64 hex digits vetdesk-hub enrol prints")

// hubURL checks that raw is an https:// address with a host and returns it
// without a trailing slash.
func hubURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !strings.EqualFold(u.Scheme, "https") {
		return "", fmt.Errorf("%q: %w", raw, ErrNotHTTPS)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("hub address %q: want https://host:port", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// pin checks and normalises a fingerprint to pin.
func pin(fingerprint string) (string, error) {
	fp := syncapi.Fingerprint(fingerprint)
	if b, err := hex.DecodeString(fp); err != nil || len(b) != sha256.Size {
		return "", ErrBadFingerprint
	}
	return fp, nil
}

// httpsOnly refuses every request that is not https before it leaves,
// redirects included, so nothing reaches the hub but through the pinned
// TLS of next.
type httpsOnly struct{ next http.RoundTripper }

func (t httpsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("%s: %w", r.URL.Redacted(), ErrNotHTTPS)
	}
	return t.next.RoundTrip(r)
}

// PinnedClient returns an HTTP client that accepts exactly the server
// certificate whose SHA-256 (of the DER leaf) is fingerprint, in any form
// syncapi.Fingerprint normalises, and refuses every other, CA-signed or
// not. The hub's certificate is self-signed, so chain checks do not apply;
// the pin is the check. It sends nothing but https: a plain http request
// (or a redirect to one) fails with ErrNotHTTPS before it is sent.
func PinnedClient(fingerprint string) *http.Client {
	return &http.Client{Transport: httpsOnly{pinnedTransport(syncapi.Fingerprint(fingerprint))}, Timeout: 2 * time.Minute}
}

func pinnedTransport(want string) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection's pin check
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrPinMismatch
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := hex.EncodeToString(sum[:]); got != want {
				return fmt.Errorf("%w: the server presented %s", ErrPinMismatch, strings.ToUpper(got))
			}
			return nil
		},
	}
	return tr
}

// pinnedClient is the client of every connection to the hub: PinnedClient,
// its transport handed to wrap when set (tests that inject faults), under
// the https-only check.
func pinnedClient(fingerprint string, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	hc := PinnedClient(fingerprint)
	if wrap != nil {
		hc.Transport = httpsOnly{wrap(hc.Transport)}
	}
	return hc
}

// ErrAlreadyEnrolled: the hub knows this device id and the code was not
// made for re-enrolling it: the admin makes one with
// `vetdesk-hub enrol --reenrol DEVICE_ID`.
var ErrAlreadyEnrolled = errors.New("device already enrolled with the hub: re-enrolment needs a code made for this device")

// EnrolOptions say how to reach the hub and with which code.
type EnrolOptions struct {
	HubURL      string // https://host:port; anything else is refused (ErrNotHTTPS)
	Fingerprint string // SHA-256 of the hub certificate, as `vetdesk-hub enrol` prints it
	Code        string // the one-time code
	DeviceCode  string // the short code wanted for case numbers; empty: the hub picks
	// WrapTransport, when set, wraps the pinned transport (tests that
	// inject network faults). The pin and the https-only check stay.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// By is who enrols, for the audit (the logged-in user, or the command
	// line's actor).
	By store.Actor
}

// ActionEnrol is the audit action of an enrolment with a hub.
const ActionEnrol = "enrol"

// Enrol trades a one-time code for a device credential and saves, in the
// store, the hub's address, the pinned fingerprint, the credential and the
// device's code, office and station, then the hub's configuration
// (catalogue version, police stations). Users arrive with the first round.
func Enrol(ctx context.Context, st Store, opt EnrolOptions) (syncapi.EnrolResponse, error) {
	dev, err := st.Device(ctx)
	if err != nil {
		return syncapi.EnrolResponse{}, err
	}
	url, err := hubURL(opt.HubURL)
	if err != nil {
		return syncapi.EnrolResponse{}, fmt.Errorf("enrol: %w", err)
	}
	fp, err := pin(opt.Fingerprint)
	if err != nil {
		return syncapi.EnrolResponse{}, fmt.Errorf("enrol: %w", err)
	}
	c := &Client{st: st, http: pinnedClient(fp, opt.WrapTransport), url: url, now: time.Now}
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
	for k, v := range map[string]string{SettingHubURL: url, SettingFingerprint: fp,
		SettingToken: resp.Token, SettingKind: resp.Kind, SettingDepartment: resp.Department, SettingCursor: "0",
		SettingRecoveryKey: resp.RecoveryKey} {
		if err := st.SetSetting(ctx, k, v); err != nil {
			return resp, fmt.Errorf("enrol: %w", err)
		}
	}
	if err := st.SetDevice(ctx, store.Device{ID: dev.ID, Code: resp.DeviceCode, Office: resp.Office, Station: resp.Station}); err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	if err := st.Audit(ctx, store.AuditEntry{UserID: opt.By.UserID, Login: opt.By.Login, Action: ActionEnrol, Target: resp.DeviceCode,
		Success: true, Detail: fmt.Sprintf("hub=%s kind=%s office=%s station=%s department=%s", url, resp.Kind, resp.Office,
			resp.Station, resp.Department)}); err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	c.tok = resp.Token
	if err := c.fetchConfig(ctx); err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	if err := c.ensureLetterKey(ctx); err != nil {
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
	// the public site, empty when the hub serves none (the receipt's QR
	// code then carries the case number and code as text)
	if err := c.st.SetSetting(ctx, SettingPublicURL, cfg.PublicURL); err != nil {
		return err
	}
	return c.st.SetSetting(ctx, SettingPoliceStation, string(ps))
}
