package casework

import "testing"

func BenchmarkBuildFormAllItems(b *testing.B) {
	cat := loadCity(b)
	items := cat.EligibleItems("self_employ")
	values := map[string]string{FieldPlacement: "self_employ"}
	for b.Loop() {
		BuildForm(cat, items, values)
		BuildChecklist(cat, items, values)
	}
}

func BenchmarkValidateAllItems(b *testing.B) {
	cat := loadCity(b)
	c := NewGenerator(cat, 1, testNow).Draft("b", "371002", true)
	for b.Loop() {
		Validate(cat, c, testNow)
	}
}

func BenchmarkParseIDNumber(b *testing.B) {
	cat := loadCity(b)
	for b.Loop() {
		if _, err := ParseIDNumber("11010519491231002X", cat.Areas, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
