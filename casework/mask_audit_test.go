package casework

import "testing"

// TestMaskAuditText guards the masking of audit lists and exports: ID and
// phone numbers inside a target or detail, and a look-up's name query.
func TestMaskAuditText(t *testing.T) {
	for _, tt := range []struct{ action, in, want string }{
		{"print", "回执 371002-2026-0001", "回执 371002-2026-0001"},
		{"find", "371002196505051234", "371002********1234"},
		{"find", "37100219650505123X now", "371002********123X now"},
		{"find", "王小明", "王**"},
		{"find", "tel 13812345678", "tel 138****5678"},
		{"export", "report-20261201.xlsx", "report-20261201.xlsx"},
		{"print", "phone 13812345678;", "phone 138****5678;"},
		{"reveal", "0193c000-0000-7000-8000-000000000001/id_number", "0193c000-0000-7000-8000-000000000001/id_number"},
		{"login", "", ""},
	} {
		if got := MaskAuditText(tt.action, tt.in); got != tt.want {
			t.Errorf("MaskAuditText(%s, %q) = %q, want %q", tt.action, tt.in, got, tt.want)
		}
	}
}
