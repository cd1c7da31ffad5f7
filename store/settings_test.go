package store

import (
	"context"
	"errors"
	"testing"
)

// TestSaveSettingsAdminOnly: the office's settings (咨询电话, 办公地址,
// 服务中心, 中心地址, idle lock, backup schedule) change only for an admin,
// whatever screen asks; every role may save its printer, also alongside the
// office's values unchanged.
func TestSaveSettingsAdminOnly(t *testing.T) {
	ctx := context.Background()
	office := []string{SettingOfficePhone, SettingOfficeAddress, SettingStation, SettingHubURL, SettingIdleMinutes, "backup.auto.hours", "backup.auto.keep", "backup.warn.days"}
	for _, role := range []string{RoleClerk, RoleHandler, RoleSupervisor, RoleAdmin} {
		t.Run(role, func(t *testing.T) {
			db := openTest(t, nil)
			a := Actor{UserID: "u-" + role, Login: role, Role: role, Office: "371002", Department: map[bool]string{true: "police"}[role == RoleHandler]}
			before := map[string]string{}
			for _, k := range office {
				before[k], _ = db.readSetting(ctx, k)
			}
			if err := db.SaveSettings(ctx, a, map[string]string{"printer": "HP-" + role}); err != nil {
				t.Fatalf("SaveSettings(printer) as %s = %v", role, err)
			}
			unchanged := map[string]string{"printer": "Canon"}
			for k, v := range before {
				unchanged[k] = v
			}
			if err := db.SaveSettings(ctx, a, unchanged); err != nil {
				t.Fatalf("SaveSettings(printer, office values unchanged) as %s = %v", role, err)
			}
			for _, k := range office {
				err := db.SaveSettings(ctx, a, map[string]string{"printer": "X", k: "12"})
				got, _ := db.readSetting(ctx, k)
				if role == RoleAdmin {
					if err != nil || got != "12" {
						t.Errorf("SaveSettings(%s) as admin = %v, value %q", k, err, got)
					}
					continue
				}
				if !errors.Is(err, ErrForbidden) || got != before[k] {
					t.Errorf("SaveSettings(%s) as %s = %v, value %q; want ErrForbidden and %q kept", k, role, err, got, before[k])
				}
				if p, _ := db.Setting(ctx, "printer"); p != "Canon" {
					t.Errorf("a refused save as %s still set the printer to %q", role, p)
				}
			}
		})
	}
}

func (db *DB) readSetting(ctx context.Context, key string) (string, error) {
	if key == SettingStation {
		d, err := db.Device(ctx)
		return d.Station, err
	}
	return db.Setting(ctx, key)
}
