package hub

import (
	"runtime"
	"sync"

	"vetdesk/internal/opsig"
	"vetdesk/internal/opwire"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// Reasons of rejection of user attribution (#17.5).
const (
	ReasonUnsigned = "signature: missing or not by the user's key"
	ReasonNoKey    = "signature: user has no signing key yet"
	ReasonKeyTaken = "user: signing key already registered"
)

// keyFields are the fields of a user's first key, the one user op a
// device may push.
var keyFields = map[string]bool{"sign_pub": true, "sign_key": true}

// signerOf returns the public key op must be verified with as the batch
// stands before it is classified: the user's registered key, or, for a
// user without one, the first key the op itself registers.
func signerOf(op syncapi.Op, users map[string]store.User) string {
	if op.Entity == store.EntityUser {
		return op.Fields["sign_pub"]
	}
	return users[op.User].SignPub
}

// verifyBatch checks the signatures of ops on every core, before the
// push takes the hub's lock: verified[i] is the public key op i verified
// against ("" when it did not). A key registered by an earlier op of the
// same batch is checked again under the lock (checkSigned).
func verifyBatch(ops []syncapi.Op, users map[string]store.User) []string {
	verified := make([]string, len(ops))
	keys := map[string]*opsig.PublicKey{}
	for _, op := range ops {
		if pub := signerOf(op, users); pub != "" && keys[pub] == nil {
			if k, err := opsig.ParsePublic(pub); err == nil {
				keys[pub] = k
			}
		}
	}
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ops)) {
		wg.Go(func() {
			for {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= len(ops) {
					return
				}
				op := ops[j]
				pub := signerOf(op, users)
				if k := keys[pub]; k != nil && k.Verify(opwire.ToSig(op), op.Sig) {
					verified[j] = pub
				}
			}
		})
	}
	wg.Wait()
	return verified
}

// checkSigned returns why op is not the act of its user, or "": its
// signature must verify against the user's registered key. verified is
// what verifyBatch found.
func checkSigned(op syncapi.Op, users map[string]store.User, verified string) string {
	u, ok := users[op.User]
	if !ok {
		return "" // check says unknown user
	}
	if u.SignPub == "" {
		return ReasonNoKey
	}
	if verified == u.SignPub {
		return ""
	}
	k, err := opsig.ParsePublic(u.SignPub) // registered earlier in this batch
	if err != nil || !k.Verify(opwire.ToSig(op), op.Sig) {
		return ReasonUnsigned
	}
	return ""
}

// checkKeyRegistration applies the one user op a device may push: a
// user's first signing key, made at their login on a desktop that knew
// their password (users created before keys existed), signed by that key,
// for a user the device serves. Any later key comes from the hub (a
// password set there). The user map is updated when it is taken.
func (h *Hub) checkKeyRegistration(d deviceRec, op syncapi.Op, users map[string]store.User, verified string) string {
	if op.EntityID != op.User || op.CaseID != "" || len(op.Fields) != len(keyFields) {
		return ReasonUsers
	}
	for f := range op.Fields {
		if !keyFields[f] {
			return ReasonUsers
		}
	}
	u, ok := users[op.User]
	if !ok || u.Disabled {
		return ReasonUnknownUser
	}
	if !h.userAtDevice(u, d) {
		return ReasonUserOffice
	}
	if u.SignPub != "" {
		return ReasonKeyTaken
	}
	if verified == "" || verified != op.Fields["sign_pub"] {
		return ReasonUnsigned
	}
	u.SignPub = verified
	users[op.User] = u
	return ""
}
