package counter

import (
	"context"
	"encoding/json"
	"fmt"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// HubCatalogue returns the catalogue the hub sent at the last sync, loaded
// with the area codes of base; ok is false when none was received. A
// received catalogue that does not load is an error: the caller keeps base.
func HubCatalogue(ctx context.Context, st *store.DB, base *casework.Catalogue) (cat *casework.Catalogue, ok bool, err error) {
	raw, err := st.Setting(ctx, syncclient.SettingCatalogueFiles)
	if err != nil || raw == "" {
		return nil, false, err
	}
	var files map[string]string
	if err := json.Unmarshal([]byte(raw), &files); err != nil {
		return nil, false, fmt.Errorf("catalogue from the hub: %w", err)
	}
	cat, err = casework.LoadCatalogueFiles(files, base.Areas)
	if err != nil {
		return nil, false, fmt.Errorf("catalogue from the hub: %w", err)
	}
	return cat, true, nil
}
