package hub

import (
	"fmt"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

	"vetdesk/internal/letterseal"
	"vetdesk/internal/opsig"
	"vetdesk/syncapi"
)

// The letter root key certifies the desks' letter keys (#12). It lives in
// the hub's one SM2 key file, RecoveryKeyFile (0600, beside the TLS key),
// but is not the recovery key itself: it is derived from it (SM3 over a tag
// and the recovery scalar), so that signing and decryption use separate key
// pairs, as GM/T practice wants, while operators keep and back up one file.
// Losing that file loses recovery and makes every letter in circulation
// unverifiable (desks re-certify at their next sync; police stations need
// the new root public key for offline checks).
const letterRootTag = "vetdesk letter root key v1"

// letterRoot derives the letter root key from the recovery key.
func letterRoot(rk *sm2.PrivateKey) (*opsig.Key, error) {
	d := make([]byte, 32)
	rk.D.FillBytes(d)
	sum := sm3.Sum(append([]byte(letterRootTag), d...))
	k, err := opsig.ParseKey(sum[:])
	if err != nil {
		return nil, fmt.Errorf("letter root key: %w", err)
	}
	return k, nil
}

// LetterRootKey returns the letter root key of the hub whose data live in
// dir (making its key file when there is none), for tests and tools;
// hubKey is the hub's data key (Options.Key), nil for an unsealed hub.
func LetterRootKey(dir string, hubKey []byte) (*opsig.Key, error) {
	rk, err := loadOrCreateRecoveryKey(dir, hubKey)
	if err != nil {
		return nil, err
	}
	return letterRoot(rk)
}

// RootPublicKey is the hub's root public key (an uncompressed SM2 point in
// hex): what a desk keeps for offline verification and what `vetdesk-hub
// verify` prints for the police stations.
func (h *Hub) RootPublicKey() string { return h.root.PublicKey().String() }

// LetterKeyYears is how long a desk's letter key certificate lasts.
const LetterKeyYears = 3

// certifyLetterKey certifies k as the letter key of station device d,
// from yesterday (a desk clock a little behind) for LetterKeyYears.
func (h *Hub) certifyLetterKey(d deviceRec, k *opsig.PublicKey) ([]byte, time.Time, error) {
	now := h.now()
	until := now.AddDate(LetterKeyYears, 0, 0)
	cert, err := letterseal.Certify(h.root, d.Code, d.Office, k, now.AddDate(0, 0, -1), until)
	return cert, until, err
}

// handleLetterKey certifies the letter key of the calling station device
// (POST syncapi.PathLetterKey) and audits it.
func (h *Hub) handleLetterKey(w http.ResponseWriter, r *http.Request, d deviceRec) {
	if d.Kind != syncapi.KindStation || d.Code == "" {
		writeError(w, http.StatusForbidden, syncapi.ErrUnauthorized, "only a station device signs hukou letters")
		return
	}
	var req syncapi.LetterKeyRequest
	if err := readJSON(r, 1<<12, &req); err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "public_key required")
		return
	}
	k, err := opsig.ParsePublic(req.PublicKey)
	if err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, "public_key: not an SM2 public key")
		return
	}
	cert, until, err := h.certifyLetterKey(d, k)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.audit(r.Context(), d.ID, "certify_letter_key", d.Code,
		fmt.Sprintf("office %s key %x until %s", d.Office, letterseal.KeyID(k), until.Format(time.DateOnly)))
	writeJSON(w, http.StatusOK, syncapi.LetterKeyResponse{Certificate: cert, RootKey: h.RootPublicKey()})
}
