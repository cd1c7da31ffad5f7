package casework

import (
	"strings"
	"unicode/utf8"
)

// MaskID shows the area prefix and the last four characters of an ID
// number: 371002**********123X.
func MaskID(s string) string { return maskMiddle(s, 6, 4) }

// MaskPhone shows the first three and last four digits: 138****5678.
func MaskPhone(s string) string { return maskMiddle(s, 3, 4) }

// MaskBank shows only the last four digits: ************1234.
func MaskBank(s string) string { return maskMiddle(strings.ReplaceAll(s, " ", ""), 0, 4) }

// MaskName keeps the family name: 张** (for lists shown to people without
// need of the full name).
func MaskName(s string) string { return maskMiddle(s, 1, 0) }

// MaskBirth hides a birth date entirely, keeping its shape: ****-**-**.
// The year alone would narrow the masked digits of the ID number.
func MaskBirth(s string) string {
	if s == "" {
		return ""
	}
	return "****-**-**"
}

// Mask masks value according to sensitivity.
func Mask(sens Sensitivity, value string) string {
	switch sens {
	case SensitiveID:
		return MaskID(value)
	case SensitivePhone:
		return MaskPhone(value)
	case SensitiveBank:
		return MaskBank(value)
	case SensitiveBirth:
		return MaskBirth(value)
	case SensitiveFull:
		if value == "" {
			return ""
		}
		return "******"
	}
	return value
}

func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	if n <= head+tail {
		// too short to show anything safely: keep at most the tail
		if n <= tail {
			return strings.Repeat("*", n)
		}
		head = 0
	}
	r := []rune(s)
	var b strings.Builder
	b.WriteString(string(r[:head]))
	b.WriteString(strings.Repeat("*", n-head-tail))
	b.WriteString(string(r[n-tail:]))
	return b.String()
}
