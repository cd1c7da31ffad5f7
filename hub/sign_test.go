package hub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/opsig"
	"vetdesk/internal/opwire"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// TestStationCannotActAsAnotherUser: a station whose clerk is logged in
// completes a police task under an admin's or a police handler's user id:
// the ops are not signed by that user (the station does not hold their
// key), or are signed with the clerk's key, and are refused; the task stays
// pending.
func TestStationCannotActAsAnotherUser(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	cat := testCatalogue(t)
	a := newTestDesk(t, "SA01", testUsers[1])
	enrolID(t, h, a.id, "SA01", "")
	for i, as := range []store.User{testUsers[0], testUsers[3]} {
		c := caseWith(t, a, uint64(10+i), "register", "hukou")
		if why := a.push(t, h); why != nil {
			t.Fatalf("station push rejected: %v", why)
		}
		completeOnHub(t, h, c.ID, "register") // hukou is released
		a.pull(t, h)
		t.Run(as.Login, func(t *testing.T) {
			now := time.Now().UTC()
			if _, err := a.db.UpdateCase(ctx, actorOf(as), c.ID, func(c *casework.Case) error {
				return c.CompleteTask(cat, "hukou", map[string]string{"hukou_date": "2026-11-30"}, now)
			}); err != nil {
				t.Fatal(err)
			}
			ops := a.outbox(t)
			forged := make([]syncapi.Op, len(ops))
			for i, op := range ops {
				forged[i] = a.signed(t, op) // the clerk's key on the admin's op
			}
			for name, batch := range map[string][]syncapi.Op{"unsigned": ops, "signed by the clerk": forged} {
				resp, err := h.Push(ctx, a.id, syncapi.PushRequest{Ops: batch})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range resp.Results {
					want := ReasonUnsigned
					if batch[i].Entity == store.EntityTask && !strings.HasSuffix(batch[i].EntityID, "/hukou") {
						want = ReasonRelease // the tasks hukou's completion releases: hukou is not done
					}
					if r.Status != syncapi.Rejected || r.Reason != want {
						t.Errorf("%s: op %s %s = %s %q, want rejected %q", name, r.ID, batch[i].EntityID, r.Status, r.Reason, want)
					}
				}
			}
			for _, op := range ops {
				if err := a.db.SetAside(ctx, op.ID, "test"); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := h.db.Case(ctx, c.ID); got.Task("hukou").State != casework.TaskPending {
				t.Errorf("hub hukou = %s, want pending", got.Task("hukou").State)
			}
		})
	}
}

// TestForgedOrAbsentSignatureRefused: an op whose signature is absent,
// made for another op, over fields changed after signing, or by another
// user's key is refused; the genuine op is taken.
func TestForgedOrAbsentSignatureRefused(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	a := newTestDesk(t, "SA01", testUsers[1])
	enrolID(t, h, a.id, "SA01", "")
	b := newTestDesk(t, "SB01", testUsers[2])
	enrolID(t, h, b.id, "SB01", "")
	caseWith(t, a, 5, "hukou")
	ops := a.outbox(t)
	if len(ops) < 3 || len(ops[0].Sig) == 0 {
		t.Fatalf("outbox = %d ops, first signature %x: want signed ops", len(ops), ops[0].Sig)
	}
	genuine := ops[0]
	absent := ops[1]
	absent.Sig = nil
	swapped := ops[2]
	swapped.Sig = genuine.Sig
	changed := genuine
	changed.ID = "0198a000-0000-7000-8000-000000000001"
	changed.Fields = map[string]string{}
	for k, v := range genuine.Fields {
		changed.Fields[k] = v
	}
	other := ops[1]
	bs := b.signed(t, other) // clerkB's key, clerkA named
	tests := []struct {
		name string
		op   syncapi.Op
		want string
	}{
		{"genuine", genuine, ""},
		{"absent", absent, ReasonUnsigned},
		{"another op's", swapped, ReasonUnsigned},
		{"another user's key", bs, ReasonUnsigned},
	}
	changed.Fields["state"] = "done"
	tests = append(tests, struct {
		name string
		op   syncapi.Op
		want string
	}{"state changed after signing", changed, ReasonUnsigned})
	for _, tt := range tests {
		resp, err := h.Push(ctx, a.id, syncapi.PushRequest{Ops: []syncapi.Op{tt.op}})
		if err != nil {
			t.Fatal(err)
		}
		if r := resp.Results[0]; r.Reason != tt.want || (tt.want == "") != (r.Status == syncapi.Accepted) {
			t.Errorf("%s: %s %q, want reason %q", tt.name, r.Status, r.Reason, tt.want)
		}
	}
}

// TestFirstKeyOfAnEarlierUser: a user created before keys existed has no
// key; their unsigned ops are refused. Logging in on a desk makes a key,
// registered by a user op signed with it; the hub takes it with the ops
// behind it in the same batch, and refuses a second key from any device.
func TestFirstKeyOfAnEarlierUser(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	// a user as an older hub made them: no sign_pub, no sign_key
	old := store.User{ID: "u-old", Login: "oldclerk", Name: "老用户", Role: store.RoleClerk, Office: office}
	scratch, err := store.Open(t.TempDir()+"/scratch.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	for _, u := range []store.User{testUsers[0], old} {
		if _, err := scratch.CreateUser(ctx, hubActor, u, "pw-old"); err != nil {
			t.Fatal(err)
		}
	}
	made, _, _ := scratch.OpsAfter(ctx, 0, 10)
	made = made[1:] // the old clerk's alone
	for i := range made {
		delete(made[i].Fields, "sign_pub")
		delete(made[i].Fields, "sign_key")
	}
	if _, err := h.db.ApplyRemote(ctx, made); err != nil {
		t.Fatal(err)
	}
	d := newTestDesk(t, "SO01", old)
	d.unlocked = true // no key to unlock: the login below makes it
	enrolID(t, h, d.id, "SO01", "")
	caseWith(t, d, 6, "hukou")
	if why := d.push(t, h); len(why) == 0 || why[0] != ReasonNoKey {
		t.Fatalf("push before any key = rejected %v, want %q", why, ReasonNoKey)
	}
	if _, err := d.db.ApplyRemote(ctx, made); err != nil { // the user record reaches the desk
		t.Fatal(err)
	}
	if _, err := d.db.Login(ctx, "oldclerk", "pw-old"); err != nil {
		t.Fatalf("Login = %v", err)
	}
	caseWith(t, d, 7, "hukou")
	ops := d.outbox(t)
	if why := d.push(t, h); why != nil {
		t.Fatalf("push after login = rejected %v, want the key and the case taken", why)
	}
	pub, _, _ := d.db.UserKey(ctx, old.ID)
	if us, _ := h.userMap(ctx); us[old.ID].SignPub == "" || us[old.ID].SignPub != pub {
		t.Errorf("hub sign_pub = %q, want the desk's %q", us[old.ID].SignPub, pub)
	}
	// another desk tries to register its own key for the same user
	k, _ := opsig.NewKey()
	w, _ := k.Wrap("x")
	second := ops[0]
	second.ID = "0198b000-0000-7000-8000-000000000001"
	second.Fields = map[string]string{"sign_pub": k.Public(), "sign_key": w}
	sig, _ := k.Sign(opwire.ToSig(second))
	second.Sig = sig
	resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: []syncapi.Op{second}})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Results[0]; r.Reason != ReasonKeyTaken {
		t.Errorf("second key = %s %q, want %q", r.Status, r.Reason, ReasonKeyTaken)
	}
}

// TestOldClientPushRefused: a client before protocol 5 (unsigned ops) is
// refused on push with 426, so its ops stay queued; it still pulls.
func TestOldClientPushRefused(t *testing.T) {
	h := newTestHub(t, Options{})
	d := newTestDesk(t, "SV01", testUsers[1])
	tok := enrolID(t, h, d.id, "SV01", "")
	for _, tt := range []struct {
		method, path string
		version      int
		want         int
	}{
		{http.MethodPost, syncapi.PathPush, 3, http.StatusUpgradeRequired},
		{http.MethodPost, syncapi.PathPush, 4, http.StatusUpgradeRequired},
		{http.MethodPost, syncapi.PathPush, 5, http.StatusOK},
		{http.MethodGet, syncapi.PathPull + "?after=0", 4, http.StatusOK},
	} {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(`{"ops":[]}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set(syncapi.HeaderVersion, strconv.Itoa(tt.version))
		rw := httptest.NewRecorder()
		h.Handler().ServeHTTP(rw, req)
		if rw.Code != tt.want {
			t.Errorf("%s %s as version %d = %d, want %d", tt.method, tt.path, tt.version, rw.Code, tt.want)
		}
	}
}
