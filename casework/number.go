package casework

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// Case numbers are made on the device, with no network, in the form
//
//	OOOOOO-YYYY-DDDD-NNNNNN    e.g. 371002-2026-HC01-000123
//
// OOOOOO is the intake office's org unit (a GB/T 2260 code or a zone's org
// code), YYYY the year of acceptance, DDDD the device's short code (2 to 6
// upper-case letters and digits, unique in the city: the hub refuses a
// second device with the same code at enrolment, and first-run setup asks
// for it), and NNNNNN a per-device, per-year sequence kept in the device's
// store and never reused. Two devices differ in DDDD, so two counters offline
// can never make the same number.

var caseNumberRe = regexp.MustCompile(`^([0-9A-Z]{6})-(\d{4})-([0-9A-Z]{2,6})-(\d{6})$`)
var deviceCodeRe = regexp.MustCompile(`^[0-9A-Z]{2,6}$`)

// ErrBadNumber is returned for malformed case numbers and device codes.
var ErrBadNumber = errors.New("malformed case number")

// CaseNumber is a parsed case number.
type CaseNumber struct {
	Office string
	Year   int
	Device string
	Seq    int
}

// String formats the number.
func (n CaseNumber) String() string {
	return fmt.Sprintf("%s-%04d-%s-%06d", n.Office, n.Year, n.Device, n.Seq)
}

// ValidDeviceCode reports whether code can be a device short code.
func ValidDeviceCode(code string) bool { return deviceCodeRe.MatchString(code) }

// FormatCaseNumber builds a case number; it refuses parts that would not
// parse back.
func FormatCaseNumber(office string, year int, device string, seq int) (string, error) {
	n := CaseNumber{office, year, device, seq}
	s := n.String()
	if seq < 1 || seq > 999999 || !caseNumberRe.MatchString(s) {
		return "", fmt.Errorf("case number %q: %w", s, ErrBadNumber)
	}
	return s, nil
}

// ParseCaseNumber parses a case number.
func ParseCaseNumber(s string) (CaseNumber, error) {
	m := caseNumberRe.FindStringSubmatch(s)
	if m == nil {
		return CaseNumber{}, fmt.Errorf("case number %q: %w", s, ErrBadNumber)
	}
	y, _ := strconv.Atoi(m[2])
	seq, _ := strconv.Atoi(m[4])
	return CaseNumber{Office: m[1], Year: y, Device: m[3], Seq: seq}, nil
}
