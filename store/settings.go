package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Settings that belong to the office (and the desk's security), not to the
// person at the desk: only an admin changes them (SaveSettings).
const (
	SettingOfficePhone   = "office.phone"
	SettingOfficeAddress = "office.address"
	SettingHubURL        = "hub.url"
	// SettingStation is the station's name, kept in the device row.
	SettingStation = "device.station"
	// SettingIdleMinutes is the idle lock; a clerk may not turn it off.
	SettingIdleMinutes = "idle.minutes"
	// The ID card reader's SDK and the libraries the desk loads for it:
	// loading a library runs its code, so they are the admin's.
	SettingCardSDK      = "idcard.sdk"
	SettingCardLibrary  = "idcard.library"
	SettingCardPhotoLib = "idcard.photo_library"
)

// ActionSettings audits a change of settings.
const ActionSettings = "settings"

// adminSettings are the keys only an admin may change: the office's
// details, the hub, the idle lock and the backup schedule.
var adminSettings = map[string]bool{
	SettingOfficePhone: true, SettingOfficeAddress: true, SettingHubURL: true, SettingStation: true,
	SettingIdleMinutes: true, "backup.dir": true, "backup.auto.hours": true, "backup.auto.keep": true, "backup.warn.days": true,
	SettingCardSDK: true, SettingCardLibrary: true, SettingCardPhotoLib: true,
}

// AdminSetting reports whether only an admin may change the setting key.
func AdminSetting(key string) bool { return adminSettings[key] }

// SaveSettings sets the settings in vals (SettingStation renames the
// station) for actor a, in one transaction, and audits the keys that
// changed. Changing an admin setting (AdminSetting) as anyone but an admin
// is refused with ErrForbidden and changes nothing; saving such a setting
// unchanged is fine, so a clerk can save the printer on the same screen.
func (db *DB) SaveSettings(ctx context.Context, a Actor, vals map[string]string) error {
	return db.write(ctx, func(w *wtx) error {
		var changed []string
		for k, v := range vals {
			old, err := w.settingValue(k)
			if err != nil {
				return err
			}
			if old == v {
				continue
			}
			if AdminSetting(k) && a.Role != RoleAdmin {
				return fmt.Errorf("save setting %s as %q: it is the office's setting, only an admin changes it: %w", k, a.Role, ErrForbidden)
			}
			changed = append(changed, k)
		}
		if len(changed) == 0 {
			return nil
		}
		sort.Strings(changed)
		for _, k := range changed {
			if k == SettingStation {
				if _, err := w.exec(`UPDATE device SET station = ?`, vals[k]); err != nil {
					return fmt.Errorf("save station: %w", err)
				}
				continue
			}
			if err := w.setSetting(k, vals[k]); err != nil {
				return err
			}
		}
		return w.audit(AuditEntry{UserID: a.UserID, Login: a.Login, Action: ActionSettings, Target: strings.Join(changed, ","), Success: true})
	})
}

func (w *wtx) settingValue(key string) (string, error) {
	var v string
	var err error
	if key == SettingStation {
		err = w.queryRow(`SELECT station FROM device`).Scan(&v)
	} else {
		err = w.queryRow(`SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
