package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// TestAcceptedIntakeReportsApplicationTaken guards the desk's wiring of
// online applications (#13): once the intake from an application is
// accepted, the window's accept hook tells the hub the application is
// taken, without the inbox being opened again; when the desk has no
// client yet (the hub not reached) the report waits and goes after the
// next good sync round; an intake not from an application asks nothing.
func TestAcceptedIntakeReportsApplicationTaken(t *testing.T) {
	ctx := context.Background()
	e, err := testEnv(t)
	if err != nil {
		t.Fatal(err)
	}
	defer e.st.Close()
	const office = "371002"
	h, err := hub.Open(t.TempDir(), hub.Options{Catalogue: e.cat})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := hub.SelfSigned(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer func() { srv.Close(); h.Close() }()
	code, err := h.CreateEnrolCode(ctx, hub.EnrolSpec{Station: "鲸园", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncclient.Enrol(ctx, e.st, syncclient.EnrolOptions{HubURL: srv.URL, Fingerprint: hub.Fingerprint(cert), Code: code}); err != nil {
		t.Fatal(err)
	}

	id, secret, err := h.CreatePortalKey(ctx, "爱山东")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := syncclient.New(syncclient.Config{Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	svc := &counter.AppService{Store: e.st, Cat: e.cat, Hub: cl, Now: time.Now}
	actor := store.Actor{UserID: e.user.ID, Login: e.user.Login, Name: e.user.Name, Role: e.user.Role, Office: e.user.Office}
	// accepted applies online (through the portal API, answered as a
	// generated case), starts the intake at the desk and accepts it
	accepted := func(seed uint64) (*casework.Case, string) {
		t.Helper()
		draft := casework.NewGenerator(e.cat, seed, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)).Draft(uuid.NewString(), office, true)
		var items []string
		for _, it := range draft.Items {
			if it != "register" { // reported on an earlier visit
				items = append(items, it)
			}
		}
		draft.Values[casework.FieldDivision] = office
		pa := syncapi.PortalApplication{Office: office, Items: items, Values: map[string]string{}}
		for _, ff := range casework.BuildForm(e.cat, items, draft.Values).Fields() {
			if v := draft.Values[ff.Field.Code]; v != "" && ff.Field.Type != casework.TypeDerived && ff.Field.Type != casework.TypePhoto {
				pa.Values[ff.Field.Code] = v
			}
		}
		body, _ := json.Marshal(pa)
		ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), uuid.NewString()
		r := httptest.NewRequest(http.MethodPost, syncapi.PathPortalApplications, bytes.NewReader(body))
		r.Header.Set(syncapi.HeaderPortalKey, id)
		r.Header.Set(syncapi.HeaderTimestamp, ts)
		r.Header.Set(syncapi.HeaderPortalNonce, nonce)
		r.Header.Set(syncapi.HeaderSignature, syncapi.Sign([]byte(secret), syncapi.PortalSigned(ts, nonce, body)))
		rec := httptest.NewRecorder()
		h.PublicHandler().ServeHTTP(rec, r)
		var created struct{ Number string }
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &created) != nil {
			t.Fatalf("portal application: %d %s", rec.Code, rec.Body.String())
		}
		inbox, err := svc.Inbox(ctx)
		if err != nil || len(inbox) == 0 || inbox[0].Number != created.Number {
			t.Fatalf("inbox = %+v, %v; want %s first", inbox, err, created.Number)
		}
		c, err := svc.StartIntake(ctx, actor, inbox[0], uuid.NewString())
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range draft.Values {
			if c.Values[k] == "" {
				c.Values[k] = v
			}
		}
		if probs, err := e.st.AcceptCase(ctx, actor, e.cat, c); err != nil {
			t.Fatalf("accept: %v %+v", err, probs)
		}
		return c, created.Number
	}
	held := func(number string) syncapi.Application {
		t.Helper()
		apps, err := h.Applications(ctx, office)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range apps {
			if a.Number == number {
				return a
			}
		}
		t.Fatalf("the hub has no application %s", number)
		return syncapi.Application{}
	}
	// until polls (at most ~10 s) until the hub holds number taken
	until := func(number string) {
		for i := 0; i < 200 && held(number).State != syncapi.AppTaken; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	s := &syncService{e: e, ctx: ctx}

	// an intake that did not come from an application asks nothing
	plain := casework.NewGenerator(e.cat, 40, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)).Draft(uuid.NewString(), office, true)
	if probs, err := e.st.AcceptCase(ctx, actor, e.cat, plain); err != nil {
		t.Fatalf("accept: %v %+v", err, probs)
	}
	if s.noteAccepted(plain) || s.takenDue.Load() {
		t.Fatalf("an intake not from an application made a report due")
	}

	// the accept hook reports it at once
	s.client = cl
	c, number := accepted(41)
	s.intakeAccepted(ctx, c)
	until(number)
	s.reporting.Lock() // a background report finished
	s.reporting.Unlock()
	if a := held(number); a.State != syncapi.AppTaken || a.CaseNumber != c.Number || s.takenDue.Load() {
		t.Fatalf("after the accept hook the hub holds %s %q (due %v); want taken as %s", a.State, a.CaseNumber, s.takenDue.Load(), c.Number)
	}

	// no client (the hub not reached yet): the report stays due …
	s.mu.Lock()
	s.client = nil
	s.mu.Unlock()
	c, number = accepted(42)
	if !s.noteAccepted(c) { // what the hook's background report does, here in step
		t.Fatalf("an intake from an application made no report due")
	}
	s.reportTaken()
	if a := held(number); a.State == syncapi.AppTaken || !s.takenDue.Load() {
		t.Fatalf("without a client the hub holds %s (due %v); want not taken, due", a.State, s.takenDue.Load())
	}
	// … and goes after the next good sync round
	s.mu.Lock()
	s.client = cl
	s.mu.Unlock()
	s.onStatus(syncclient.Status{Online: true})
	until(number)
	if a := held(number); a.State != syncapi.AppTaken || a.CaseNumber != c.Number {
		t.Fatalf("after a good round the hub holds %s %q; want taken as %s", a.State, a.CaseNumber, c.Number)
	}
}
