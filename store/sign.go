package store

import (
	"context"
	"errors"
	"fmt"

	"vetdesk/internal/opsig"
)

// Signing keys (#17.5). Each user's SM2 key pair lives in their record:
// sign_pub, the public half, and sign_key, the private half wrapped under
// their password (opsig). CreateUser and SetPassword make them; Login
// unlocks the key, offline, and from then on every op this store makes for
// that user carries their signature, which the hub checks.

// ErrNoSigningKey: the user record holds no (usable) signing key.
var ErrNoSigningKey = errors.New("no signing key")

// toSig is the part of op a signature covers.
func toSig(op Op) opsig.Op {
	return opsig.Op{ID: op.ID, Device: op.Device, User: op.User, Wall: op.HLC.Wall, Logical: op.HLC.Logical,
		Entity: op.Entity, EntityID: op.EntityID, CaseID: op.CaseID, Fields: op.Fields}
}

// sign returns op's signature by its user's unlocked key, or nil when
// this store holds none for the user (the hub refuses such an op).
func (db *DB) sign(op Op) ([]byte, error) {
	db.kmu.Lock()
	k := db.signers[op.User]
	db.kmu.Unlock()
	if k == nil {
		return nil, nil
	}
	return k.Sign(toSig(op))
}

// keyFields makes a key pair for a user with password: the fields
// sign_pub and sign_key of their record.
func keyFields(password string) (*opsig.Key, map[string]string, error) {
	k, err := opsig.NewKey()
	if err != nil {
		return nil, nil, err
	}
	wrapped, err := k.Wrap(password)
	if err != nil {
		return nil, nil, err
	}
	return k, map[string]string{"sign_pub": k.Public(), "sign_key": wrapped}, nil
}

// UserKey returns the signing key fields of user id as this store holds
// them ("" when the user has none yet).
func (db *DB) UserKey(ctx context.Context, id string) (pub, wrapped string, err error) {
	rows, err := db.query(ctx, `SELECT field, value FROM fields WHERE case_rid = 0 AND entity = 'user' AND key = ?
		AND field IN ('sign_pub', 'sign_key')`, id)
	if err != nil {
		return "", "", fmt.Errorf("user key %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f, v string
		if err := rows.Scan(&f, &v); err != nil {
			return "", "", fmt.Errorf("user key %s: %w", id, err)
		}
		if f == "sign_pub" {
			pub = v
		} else {
			wrapped = v
		}
	}
	return pub, wrapped, rows.Err()
}

// Unlock opens the wrapped key of user id with password and signs the
// user's ops with it from then on, until Lock.
func (db *DB) Unlock(id, pub, wrapped, password string) error {
	if pub == "" || wrapped == "" {
		return fmt.Errorf("unlock %s: %w", id, ErrNoSigningKey)
	}
	k, err := opsig.Unwrap(wrapped, pub, password)
	if err != nil {
		return fmt.Errorf("unlock %s: %w", id, err)
	}
	db.setSigner(id, k)
	return nil
}

func (db *DB) setSigner(id string, k *opsig.Key) {
	db.kmu.Lock()
	defer db.kmu.Unlock()
	if db.signers == nil {
		db.signers = map[string]*opsig.Key{}
	}
	db.signers[id] = k
}

// Signs reports whether user id's key is unlocked: their ops are signed.
func (db *DB) Signs(id string) bool {
	db.kmu.Lock()
	defer db.kmu.Unlock()
	return db.signers[id] != nil
}

// Lock forgets user id's unlocked key (at logout): their ops made after
// are unsigned.
func (db *DB) Lock(id string) {
	db.kmu.Lock()
	defer db.kmu.Unlock()
	delete(db.signers, id)
}

// unlockAtLogin gives u, whose password was just checked, their signing
// key: the one their record holds, or, for a user created before keys
// existed, a new one registered by a user op of their own (the hub takes
// a first key from a device of the user's scope). The user's ops made
// before signatures and still waiting for the hub are signed then.
func (db *DB) unlockAtLogin(ctx context.Context, u User, password string) error {
	pub, wrapped, err := db.UserKey(ctx, u.ID)
	if err != nil {
		return err
	}
	if pub != "" {
		if err := db.Unlock(u.ID, pub, wrapped, password); err != nil {
			return err
		}
	} else {
		k, fields, err := keyFields(password)
		if err != nil {
			return err
		}
		db.setSigner(u.ID, k)
		err = db.write(ctx, func(w *wtx) error {
			op, err := w.newLocal(u.ID, EntityUser, "", u.ID, fields)
			if err != nil {
				return err
			}
			_, err = w.apply([]Op{op}, true)
			return err
		})
		if err != nil {
			db.Lock(u.ID)
			return fmt.Errorf("signing key of %s: %w", u.ID, err)
		}
	}
	return db.signLegacy(ctx, u.ID)
}

// signLegacy signs the ops of user id that were made before signatures
// (their outbox row holds an empty signature) and still wait for the hub.
func (db *DB) signLegacy(ctx context.Context, id string) error {
	db.kmu.Lock()
	k := db.signers[id]
	db.kmu.Unlock()
	if k == nil {
		return nil
	}
	return db.write(ctx, func(w *wtx) error {
		ops, seqs, err := db.listOpsTx(w, `SELECT `+opColumns+` JOIN outbox ob ON ob.seq = o.seq
			WHERE ob.sig = x'' AND u.name = ? ORDER BY o.seq`, id)
		if err != nil {
			return fmt.Errorf("sign earlier ops of %s: %w", id, err)
		}
		for i, op := range ops {
			sig, err := k.Sign(toSig(op))
			if err != nil {
				return err
			}
			if _, err := w.exec(`UPDATE outbox SET sig = ? WHERE seq = ?`, sig, seqs[i]); err != nil {
				return fmt.Errorf("sign earlier ops of %s: %w", id, err)
			}
		}
		return nil
	})
}

// listOpsTx is listOps inside a write transaction.
func (db *DB) listOpsTx(w *wtx, q string, args ...any) ([]Op, []int64, error) {
	return collectOps(w.query(q, args...))
}
