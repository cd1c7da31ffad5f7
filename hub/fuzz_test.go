package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// FuzzPushRequest sends the push endpoint bodies as a desk might, broken or
// hostile: the hub decodes each and answers with verdicts or a 4xx, never a
// panic or an internal error. The seeds are a desk's real signed ops of a
// case, and malformed variants.
func FuzzPushRequest(f *testing.F) {
	h := newTestHub(f, Options{})
	d := newTestDesk(f, "FZ01", testUsers[1])
	tok := enrolID(f, h, d.id, "FZ01", "")
	c := casework.NewGenerator(testCatalogue(f), 3, genNow).Draft("01950000-0000-7000-8000-00000000f001", office, true)
	if err := d.db.SaveCase(context.Background(), d.actor, c); err != nil {
		f.Fatal(err)
	}
	ops := d.outbox(f)
	real, _ := json.Marshal(syncapi.PushRequest{Ops: ops[:min(len(ops), 3)]})
	f.Add(real)
	one, _ := json.Marshal(syncapi.PushRequest{Seen: -1, Ops: ops[:1]})
	f.Add(one)
	for _, s := range []string{`{"ops":[]}`, `{"ops":[{}]}`, `{"seen":9223372036854775807,"ops":[{"id":"x","entity":"case","fields":{"":""}}]}`,
		`{"ops":[{"id":"a","device":"` + d.id + `","user":"u-clerkA","hlc":{"wall":-1,"logical":-1},"entity":"task","entity_id":"/","case_id":"","sig":"AA=="}]}`,
		`null`, `[]`, `{"ops":null}`, ``} {
		f.Add([]byte(s))
	}
	handler := h.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, syncapi.PathPush, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set(syncapi.HeaderVersion, strconv.Itoa(int(syncapi.CurrentVersion)))
		rw := httptest.NewRecorder()
		handler.ServeHTTP(rw, req)
		if rw.Code >= 500 {
			t.Fatalf("push of %q = %d %s, want a verdict or a 4xx", body, rw.Code, rw.Body.String())
		}
		if rw.Code == http.StatusOK {
			var resp syncapi.PushResponse
			if err := json.Unmarshal(rw.Body.Bytes(), &resp); err != nil {
				t.Fatalf("push of %q answered %q: %v", body, rw.Body.String(), err)
			}
		}
	})
}
