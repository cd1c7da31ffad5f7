package casework

import (
	"errors"
	"strconv"
	"time"
)

// IDInfo is what a GB 11643 公民身份号码 says about its holder.
type IDInfo struct {
	Area  string    // 6-digit division code
	Birth time.Time // date of birth
	Seq   int       // sequence code
	Male  bool      // odd sequence
}

// Sex returns "男" or "女", the values of the sex field.
func (i IDInfo) Sex() string {
	if i.Male {
		return "男"
	}
	return "女"
}

// IDError is a refused ID number; Reason is machine-readable, Arg a detail
// for the message (for ReasonIDAreaAbolished the year the division was
// abolished).
type IDError struct {
	Reason string
	Arg    string
}

func (e *IDError) Error() string { return "id number: " + e.Reason }

// ID number problems.
const (
	ReasonIDLength   = "id_length"
	ReasonIDFormat   = "id_format"
	ReasonIDChecksum = "id_checksum"
	ReasonIDDate     = "id_date"
	ReasonIDArea     = "id_area"
	// ReasonIDBirthEarly: born before MinBirthYear, not a veteran's number.
	ReasonIDBirthEarly = "id_birth_early"
	// ReasonIDAreaAbolished: the area code was abolished before the birth
	// year (Arg: the year), so nobody born then was given it.
	ReasonIDAreaAbolished = "id_area_abolished"
)

// MinBirthYear is the earliest birth year accepted in a veteran's ID number.
const MinBirthYear = 1900

// ErrIDNumber is matched by every *IDError.
var ErrIDNumber = errors.New("invalid id number")

// Is makes errors.Is(err, ErrIDNumber) true.
func (e *IDError) Is(target error) bool { return target == ErrIDNumber }

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDCheckDigit returns the check character for the first 17 digits.
func IDCheckDigit(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ParseIDNumber checks an 18-character ID number: format, check digit, a
// real birth date from MinBirthYear on and not in the future of now, and
// (when areas is not nil) an area code in the GB/T 2260 list, historical
// codes included, that was not abolished before the year of birth. A
// lower-case x is accepted as X. Input is expected normalised
// (NormalizeIDNumber).
func ParseIDNumber(s string, areas AreaCodes, now time.Time) (IDInfo, error) {
	if len(s) != 18 {
		return IDInfo{}, &IDError{Reason: ReasonIDLength}
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return IDInfo{}, &IDError{Reason: ReasonIDFormat}
		}
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return IDInfo{}, &IDError{Reason: ReasonIDFormat}
	}
	if IDCheckDigit(s[:17]) != last {
		return IDInfo{}, &IDError{Reason: ReasonIDChecksum}
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1800 || birth.After(now) {
		return IDInfo{}, &IDError{Reason: ReasonIDDate}
	}
	if birth.Year() < MinBirthYear {
		return IDInfo{}, &IDError{Reason: ReasonIDBirthEarly}
	}
	area := s[:6]
	if areas != nil {
		ac, ok := areas[area]
		if !ok {
			return IDInfo{}, &IDError{Reason: ReasonIDArea}
		}
		if ac.Abolished > 0 && birth.Year() > ac.Abolished {
			return IDInfo{}, &IDError{Reason: ReasonIDAreaAbolished, Arg: strconv.Itoa(ac.Abolished)}
		}
	}
	seq := int(s[14]-'0')*100 + int(s[15]-'0')*10 + int(s[16]-'0')
	return IDInfo{Area: area, Birth: birth, Seq: seq, Male: seq%2 == 1}, nil
}

// LuhnValid reports whether a digit string passes the Luhn check.
func LuhnValid(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return len(digits) > 0 && sum%10 == 0
}

// LuhnDigit returns the digit that makes digits+digit pass the Luhn check.
func LuhnDigit(digits string) byte {
	for d := byte('0'); d <= '9'; d++ {
		if LuhnValid(digits + string(d)) {
			return d
		}
	}
	return '0'
}

const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeValid checks a GB 32100-2015 统一社会信用代码.
func CreditCodeValid(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := indexByte(creditChars, s[i])
		if v < 0 {
			return false
		}
		sum += v * creditWeights[i]
	}
	check := (31 - sum%31) % 31
	return indexByte(creditChars, s[17]) == check
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
