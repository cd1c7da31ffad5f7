package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vetdesk/assets"
	"vetdesk/casework"
)

func readMessages(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := assets.Translations.ReadFile("translations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// TestEveryKeyTranslated finds every T("key") in the screens and every key
// built from a domain value, and checks both languages have it.
func TestEveryKeyTranslated(t *testing.T) {
	zh, en := readMessages(t, "zh-Hans.json"), readMessages(t, "en.json")
	keys := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`\bT\("([a-z0-9_.]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if k := m[1]; strings.Contains(k, ".") && !strings.HasSuffix(k, ".") { // prefixes are checked below
				keys[k] = true
			}
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys in the screens; the scan is broken", len(keys))
	}
	for _, s := range casework.CaseStates {
		keys["case.state."+string(s)] = true
	}
	for _, s := range casework.TaskStates {
		keys["task.state."+string(s)] = true
	}
	for _, s := range materialChoices {
		keys["material.status."+string(s)] = true
	}
	for _, r := range []string{"clerk", "handler", "supervisor", "admin"} {
		keys["role."+r] = true
	}
	for _, f := range []string{casework.FormOriginal, casework.FormCopy, casework.FormOriginalAndCopy, casework.FormElectronic} {
		keys["material.form."+f] = true
	}
	reasons := []string{casework.ReasonRequired, casework.ReasonNoItems, casework.ReasonItemUnknown, casework.ReasonItemIneligible, casework.ReasonItemCondition, casework.ReasonItemOff, casework.ReasonOptionGroup, casework.ReasonServiceLength, casework.ReasonMinYears,
		casework.ReasonItemDependency, casework.ReasonIDBirthMismatch, casework.ReasonIDSexMismatch, casework.ReasonPhoneFormat,
		casework.ReasonPhonePrefix, casework.ReasonBankFormat, casework.ReasonBankLuhn, casework.ReasonDateFormat, casework.ReasonDateOrder,
		casework.ReasonDateFuture, casework.ReasonReportLate, casework.ReasonEnum, casework.ReasonNumberFormat, casework.ReasonMoneyFormat,
		casework.ReasonBooleanFormat, casework.ReasonCreditCode, casework.ReasonTooShort, casework.ReasonTooLong,
		casework.ReasonPlacementCategory, casework.ReasonDivision, casework.ReasonIDLength, casework.ReasonIDFormat,
		casework.ReasonIDChecksum, casework.ReasonIDDate, casework.ReasonIDArea, casework.ReasonIDBirthEarly, casework.ReasonIDAreaAbolished}
	for _, r := range reasons {
		keys["problem."+r] = true
	}
	for k := range keys {
		if zh[k] == "" {
			t.Errorf("zh-Hans.json lacks %q", k)
		}
		if en[k] == "" {
			t.Errorf("en.json lacks %q", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q that zh-Hans.json has", k)
		}
	}
}

func TestChineseByDefault(t *testing.T) {
	newFixture(t)
	if got := T("login.bad"); got != "用户名或密码错误" {
		t.Errorf(`T("login.bad") = %q, want 用户名或密码错误`, got)
	}
	cat, _ := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	p := casework.Problem{Field: casework.FieldDischargeDate, Reason: casework.ReasonDateOrder, Arg: casework.FieldEnlistDate}
	if got := ProblemText(cat, p); got != "日期先后不对:应晚于入伍时间" {
		t.Errorf("ProblemText(date_order) = %q", got)
	}
}
