package casework

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
)

// LookupCode is the short code printed with the receipt's QR code for
// progress look-up (进度查询): derived from the case id, which never leaves
// the office's devices and the hub, so it cannot be guessed from the case
// number alone. Upper-case letters and digits, at most 5 of them.
func LookupCode(c *Case) string {
	sum := sha256.Sum256([]byte(c.ID + "/" + c.Number))
	v, _ := strconv.ParseUint(hex.EncodeToString(sum[:4]), 16, 64)
	return strings.ToUpper(strconv.FormatUint(v%36_000_000, 36))
}

// ProgressPath is the path of the public progress page (#13) under the
// hub's public URL; ProgressURL adds the case number (n) and the look-up
// code (c) as query parameters.
const ProgressPath = "/progress"

// ProgressURL is the address of case number's progress page on the public
// site at base (https://host[/prefix]): what the receipt's QR code holds
// when the desk knows its hub's public URL.
func ProgressURL(base, number, lookup string) string {
	return strings.TrimRight(base, "/") + ProgressPath + "?" + url.Values{"n": {number}, "c": {lookup}}.Encode()
}

// ParseProgressURL reads a progress page's address back: the case number
// and look-up code. Scanners may type it in upper case (Caps Lock), so the
// scheme, the path and the parameter names are matched in any case, and
// the number and code are returned upper case.
func ParseProgressURL(text string) (number, lookup string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(text))
	if err != nil || (!strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http")) || u.Host == "" {
		return "", "", false
	}
	if !strings.HasSuffix(strings.ToLower(u.Path), ProgressPath) {
		return "", "", false
	}
	for k, v := range u.Query() {
		switch {
		case strings.EqualFold(k, "n") && len(v) > 0:
			number = strings.ToUpper(v[0])
		case strings.EqualFold(k, "c") && len(v) > 0:
			lookup = strings.ToUpper(v[0])
		}
	}
	if _, err := ParseCaseNumber(number); err != nil {
		return "", "", false
	}
	return number, lookup, true
}
