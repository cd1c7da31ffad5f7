package casework

import (
	"regexp"
	"time"
)

// 好差评 (#13): the veteran rates the service of a case on the national
// five levels (国办发〔2019〕51号), with an optional comment. A 差评 (不满意,
// 非常不满意) opens a 整改 follow-up for the station's supervisor, due
// RectifyWorkingDays working days after the rating.

// RatingLevel is one of the five levels, "5" (非常满意) down to "1"
// (非常不满意): digits so that reports can sort and average them.
type RatingLevel string

const (
	RatingVerySatisfied    RatingLevel = "5" // 非常满意
	RatingSatisfied        RatingLevel = "4" // 满意
	RatingBasic            RatingLevel = "3" // 基本满意
	RatingDissatisfied     RatingLevel = "2" // 不满意
	RatingVeryDissatisfied RatingLevel = "1" // 非常不满意
)

// RatingLevels are the levels from best to worst, as forms offer them.
var RatingLevels = []RatingLevel{RatingVerySatisfied, RatingSatisfied, RatingBasic, RatingDissatisfied, RatingVeryDissatisfied}

// MaxRatingComment caps a rating's comment, in characters.
const MaxRatingComment = 500

// RectifyWorkingDays is the time a 整改 follow-up is given: 国办发〔2019〕51号
// asks that a 差评 be put right within 15 working days.
const RectifyWorkingDays = 15

// Valid reports whether l is one of the five levels.
func (l RatingLevel) Valid() bool {
	for _, v := range RatingLevels {
		if l == v {
			return true
		}
	}
	return false
}

// Bad reports whether l is a 差评 that opens a 整改 follow-up.
func (l RatingLevel) Bad() bool { return l == RatingDissatisfied || l == RatingVeryDissatisfied }

// RectifyDue is the last day of the follow-up of a 差评 given at, counted
// in working days by cal (weekends only when cal is nil or has no data).
func RectifyDue(cal *Calendar, at time.Time) time.Time {
	return cal.AddWorkingDays(at, RectifyWorkingDays)
}

// Rating is a rating of a case as lists and reports show it, with its
// follow-up.
type Rating struct {
	ID                 string // the rating event's op id
	CaseID, CaseNumber string
	Office, Station    string
	Items              []string // the case's items
	Level              RatingLevel
	Comment            string
	Source             string // "portal" (the public site) or "desk"
	At                 time.Time
	By                 string    // user id who wrote it (the clerk, or "portal")
	Due                time.Time // last day of the 整改 follow-up; zero unless Level.Bad()
	Closed             bool
	ClosedAt           time.Time
	ClosedBy           string
	CloseNote          string
}

// Open reports whether r is a 差评 whose follow-up is not closed.
func (r Rating) Open() bool { return r.Level.Bad() && !r.Closed }

// Overdue reports whether r's follow-up is open after its due day at now.
func (r Rating) Overdue(now time.Time) bool {
	return r.Open() && now.After(r.Due.AddDate(0, 0, 1))
}

var (
	idLike    = regexp.MustCompile(`\d{17}[\dXx]|\d{15}`)
	phoneLike = regexp.MustCompile(`1[3-9]\d{9}|0\d{2,3}-?\d{7,8}`)
)

// ScrubNumbers masks ID and phone numbers written into free text (a
// rating's comment), for pages and exports that must not show them.
func ScrubNumbers(s string) string {
	s = idLike.ReplaceAllStringFunc(s, MaskID)
	return phoneLike.ReplaceAllStringFunc(s, MaskPhone)
}
