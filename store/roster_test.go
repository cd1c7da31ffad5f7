package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestRoster(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "r.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	es := []RosterEntry{
		{IDNumber: "11010519491231002X", Values: map[string]string{"name": "张䶮", "phone": "13800000000"}, Hash: "h1", Source: "a.xlsx", Row: 2},
		{IDNumber: "440524188001010014", Values: map[string]string{"name": "李四"}, Hash: "h2", Source: "a.xlsx", Row: 3},
	}
	if a, u, err := db.PutRoster(ctx, es); err != nil || a != 2 || u != 0 {
		t.Fatalf("PutRoster(first) = %d added %d unchanged %v, want 2 0", a, u, err)
	}
	if a, u, err := db.PutRoster(ctx, es); err != nil || a != 0 || u != 2 {
		t.Fatalf("PutRoster(again) = %d added %d unchanged %v, want 0 2", a, u, err)
	}
	es[1].Values["name"], es[1].Hash = "李斯", "h3"
	if a, u, err := db.PutRoster(ctx, es); err != nil || a != 1 || u != 1 {
		t.Fatalf("PutRoster(one changed) = %d added %d unchanged %v, want 1 1", a, u, err)
	}
	v, err := db.RosterValues(ctx, "440524188001010014")
	if err != nil || v["name"] != "李斯" {
		t.Errorf("RosterValues = %v %v, want 李斯", v, err)
	}
	if v, err := db.RosterValues(ctx, "371002199001010018"); v != nil || err != nil {
		t.Errorf("RosterValues(unknown) = %v %v, want nil", v, err)
	}
}
