package syncclient_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/internal/citycat"
	"vetdesk/store"
	"vetdesk/syncclient"
)

func testCatalogue(t testing.TB) *casework.Catalogue { return citycat.MustLoad(t) }

var genNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const (
	office      = "371002"
	otherOffice = "371003"
)

// env is a real hub behind a TLS test server, with users.
type env struct {
	t      testing.TB
	cat    *casework.Catalogue
	hub    *hub.Hub
	srv    *httptest.Server
	fp     string
	users  map[string]store.User // by login
	hubDir string
}

func newEnv(t testing.TB, opt hub.Options) *env {
	t.Helper()
	cat := testCatalogue(t)
	opt.Catalogue = cat
	hubDir := t.TempDir()
	h, err := hub.Open(hubDir, opt)
	if err != nil {
		t.Fatalf("hub.Open = %v", err)
	}
	srv := newTLSServer(t, h.Handler())
	t.Cleanup(func() { srv.Close(); h.Close() })
	e := &env{t: t, cat: cat, hub: h, srv: srv, users: map[string]store.User{}, hubDir: hubDir}
	e.fp = hub.Fingerprint(srv.TLS.Certificates[0])
	for _, u := range []store.User{
		{Login: "admin", Name: "管理员", Role: store.RoleAdmin},
		{Login: "clerkA", Name: "王芳", Role: store.RoleClerk, Office: office},
		{Login: "clerkB", Name: "李强", Role: store.RoleClerk, Office: office},
		{Login: "clerkX", Name: "赵敏", Role: store.RoleClerk, Office: otherOffice},
		{Login: "police", Name: "张警官", Role: store.RoleHandler, Department: "police", Office: office},
		{Login: "hrss", Name: "刘科员", Role: store.RoleHandler, Department: "hrss", Office: office},
	} {
		got, err := h.AddUser(context.Background(), u, "pw-"+u.Login)
		if err != nil {
			t.Fatalf("AddUser(%s) = %v", u.Login, err)
		}
		e.users[u.Login] = got
	}
	return e
}

// newTLSServer serves handler over TLS with a fresh self-signed
// certificate (httptest's own certificate is the same for every server,
// which would defeat the pinning tests).
func newTLSServer(t testing.TB, handler http.Handler) *httptest.Server {
	t.Helper()
	certPEM, keyPEM, err := hub.SelfSigned(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	return srv
}

// wrapInto is a WrapTransport that makes the pinned transport the base
// (*base) of rt and sends through rt.
func wrapInto(base *http.RoundTripper, rt http.RoundTripper) func(http.RoundTripper) http.RoundTripper {
	return func(pinned http.RoundTripper) http.RoundTripper {
		*base = pinned
		return rt
	}
}

func (e *env) actor(login string) store.Actor {
	u := e.users[login]
	return store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Department: u.Department, Office: u.Office}
}

// desk is a desktop: a real store and a client enrolled with the hub.
type desk struct {
	name  string
	db    *store.DB
	cl    *syncclient.Client
	actor store.Actor
	dept  string
}

type deskOpt struct {
	office, dept string
	login        string
	wrap         func(http.RoundTripper) http.RoundTripper // wraps the pinned transport
	pushBatch    int
	pullPage     int
	noSnapshot   bool
	onChange     func(syncclient.Status)
	now          func() time.Time // the desk's wall clock; nil: time.Now
	key          []byte           // the store's data key; nil: plaintext
	dir          string           // the desk's data folder; "": a new temp folder
}

func (e *env) desk(name string, o deskOpt) *desk {
	e.t.Helper()
	ctx := context.Background()
	dir := o.dir
	if dir == "" {
		dir = e.t.TempDir()
	}
	db, err := store.Open(filepath.Join(dir, name+".db"), store.Options{Catalogue: e.cat, Now: o.now, Key: o.key})
	if err != nil {
		e.t.Fatalf("store.Open(%s) = %v", name, err)
	}
	e.t.Cleanup(func() { db.Close() })
	code, err := e.hub.CreateEnrolCode(ctx, hub.EnrolSpec{Station: name, Office: o.office, Department: o.dept})
	if err != nil {
		e.t.Fatalf("CreateEnrolCode(%s) = %v", name, err)
	}
	if _, err := syncclient.Enrol(ctx, db, syncclient.EnrolOptions{HubURL: e.srv.URL, Fingerprint: e.fp, Code: code}); err != nil {
		e.t.Fatalf("Enrol(%s) = %v", name, err)
	}
	cl, err := syncclient.New(syncclient.Config{Store: db, WrapTransport: o.wrap, PushBatch: o.pushBatch, PullPage: o.pullPage,
		NoSnapshot: o.noSnapshot, OnChange: o.onChange, Now: o.now})
	if err != nil {
		e.t.Fatal(err)
	}
	d := &desk{name: name, db: db, cl: cl, actor: e.actor(o.login), dept: o.dept}
	if o.login != "" {
		e.unlock(d)
	}
	return d
}

// unlock unlocks the signing key of the desk's user as the hub holds it,
// as their login would, so that the desk's ops are signed.
func (e *env) unlock(d *desk) {
	e.t.Helper()
	pub, wrapped, err := e.hub.Replica().UserKey(context.Background(), d.actor.UserID)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := d.db.Unlock(d.actor.UserID, pub, wrapped, "pw-"+d.actor.Login); err != nil {
		e.t.Fatalf("%s: Unlock(%s) = %v", d.name, d.actor.Login, err)
	}
}

func (d *desk) sync(t testing.TB) {
	t.Helper()
	if err := d.cl.Once(context.Background()); err != nil {
		t.Fatalf("%s: Once() = %v", d.name, err)
	}
}

// newCase accepts a synthetic case at d.
func (e *env) newCase(d *desk, g *casework.Generator, id string) *casework.Case {
	e.t.Helper()
	c := g.Draft(id, office, true)
	// 报到 was done on an earlier visit: without it in the case, 恢复户口
	// (which follows 报到) is the police's to work from acceptance on
	var items []string
	for _, it := range c.Items {
		if it != "register" {
			items = append(items, it)
		}
	}
	c.SetItems(e.cat, items)
	if _, err := d.db.AcceptCase(context.Background(), d.actor, e.cat, c); err != nil {
		e.t.Fatalf("AcceptCase(%s) = %v", id, err)
	}
	return c
}

func (d *desk) update(t testing.TB, id string, fn func(c *casework.Case) error) {
	t.Helper()
	if _, err := d.db.UpdateCase(context.Background(), d.actor, id, fn); err != nil {
		t.Fatalf("%s: UpdateCase(%s) = %v", d.name, id, err)
	}
}

// caseIDs lists the ids of every case in db.
func caseIDs(t testing.TB, db *store.DB) []string {
	t.Helper()
	var ids []string
	if err := db.EachCase(context.Background(), func(c *casework.Case) error { ids = append(ids, c.ID); return nil }); err != nil {
		t.Fatalf("EachCase = %v", err)
	}
	sort.Strings(ids)
	return ids
}

// dump is a canonical JSON of db's cases, through filter when not nil.
func dump(t testing.TB, db *store.DB, filter func(*casework.Case) *casework.Case) string {
	t.Helper()
	var b strings.Builder
	for _, id := range caseIDs(t, db) {
		c, err := db.Case(context.Background(), id)
		if err != nil {
			t.Fatalf("Case(%s) = %v", id, err)
		}
		if filter != nil {
			if c = filter(c); c == nil {
				continue
			}
		}
		js, _ := json.Marshal(c)
		fmt.Fprintf(&b, "%s\n", js)
	}
	return b.String()
}

// deptView is what a department device may see of c: nil when it has no
// task there; else its tasks, no materials, and only the values its items
// ask for.
func deptView(cat *casework.Catalogue, dept string) func(*casework.Case) *casework.Case {
	return func(c *casework.Case) *casework.Case {
		var tasks []*casework.Task
		need := map[string]bool{}
		for _, t := range c.Tasks {
			if t.Department != dept {
				continue
			}
			tasks = append(tasks, t)
			for _, f := range cat.Item(t.Item).Fields {
				need[f.Code] = true
			}
		}
		if len(tasks) == 0 {
			return nil
		}
		v := *c
		v.Tasks = tasks
		v.Materials = map[string]*casework.MaterialState{}
		v.Values = map[string]string{}
		for k, val := range c.Values {
			if need[k] {
				v.Values[k] = val
			}
		}
		return &v
	}
}

// diffLines returns the first differing line of two dumps, for messages.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i, x, y)
		}
	}
	return "equal"
}

// settle runs full rounds of every desk until a round changes nothing at
// the hub and every outbox is empty; it fails after limit rounds.
func settle(t testing.TB, e *env, desks []*desk, limit int) int {
	t.Helper()
	ctx := context.Background()
	for round := 1; round <= limit; round++ {
		before, _ := e.hub.Replica().FeedHigh(ctx)
		for _, d := range desks {
			d.sync(t)
		}
		after, _ := e.hub.Replica().FeedHigh(ctx)
		quiet := before == after
		for _, d := range desks {
			if ob, _ := d.db.Outbox(ctx, 1); len(ob) > 0 {
				quiet = false
			}
		}
		if quiet {
			return round
		}
	}
	t.Fatalf("settle: not quiet after %d rounds", limit)
	return limit
}
