package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRefusalsSayWhatIsAllowed guards the wording of role refusals: each
// still matches ErrForbidden and says who may do it, not only "forbidden".
func TestRefusalsSayWhatIsAllowed(t *testing.T) {
	db := openTest(t, nil)
	ctx := context.Background()
	_, err := db.CreateUser(ctx, Actor{}, User{Login: "clerk", Role: RoleClerk}, "pw")
	check := func(what string, err error, want string) {
		t.Helper()
		if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s = %v, want ErrForbidden saying %q", what, err, want)
		}
	}
	check("first user a clerk", err, "the first user must be an admin")
	admin, err := db.CreateUser(ctx, Actor{}, User{Login: "admin", Name: "管理员", Role: RoleAdmin}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	clerk := Actor{UserID: "c", Login: "c", Role: RoleClerk}
	_, err = db.CreateUser(ctx, clerk, User{Login: "x", Role: RoleClerk}, "pw")
	check("clerk adds a user", err, "only an admin adds users")
	check("clerk changes a user", db.UpdateUser(ctx, clerk, User{ID: admin.ID, Login: "admin", Role: RoleClerk}), "only an admin changes users")
	check("clerk sets the admin's password", db.SetPassword(ctx, clerk, admin.ID, "new"), "only an admin sets another user's password")
	check("clerk changes the station", db.SaveSettings(ctx, clerk, map[string]string{SettingStation: "别处"}), "only an admin changes it")
}
