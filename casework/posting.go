package casework

import (
	"strings"
	"time"
)

// 就业培训 (#13, item 3): stations publish training courses and job
// postings; veterans sign up for them. A posting's values are checked
// here, so that the desk, the Excel import and the hub refuse the same
// things for the same reasons (the reasons of Validate).

// Kinds of posting.
const (
	PostingCourse = "course" // 培训课程
	PostingJob    = "job"    // 招聘信息
)

// Fields of a posting, in the order forms and sheets show them.
const (
	PostingKind     = "kind"
	PostingTitle    = "title"
	PostingOrg      = "org"
	PostingPlace    = "place"
	PostingSchedule = "schedule"
	PostingDeadline = "deadline"
	PostingDetails  = "details"
	PostingContact  = "contact"
)

// PostingFields are the fields of a posting with their types and limits.
var PostingFields = []Field{
	{Code: PostingKind, Type: TypeEnum, Options: []string{PostingCourse, PostingJob}},
	{Code: PostingTitle, Type: TypeText, MaxLen: 60},
	{Code: PostingOrg, Type: TypeText, MaxLen: 60},
	{Code: PostingPlace, Type: TypeText, MaxLen: 100},
	{Code: PostingSchedule, Type: TypeText, MaxLen: 100},
	{Code: PostingDeadline, Type: TypeDate},
	{Code: PostingDetails, Type: TypeText, MaxLen: 2000},
	{Code: PostingContact, Type: TypePhone},
}

// postingRequired are the fields a posting must have.
var postingRequired = map[string]bool{PostingKind: true, PostingTitle: true, PostingOrg: true}

// NormalizePosting normalises the values of a posting as typed (dates and
// phones as the desk normalises them, spaces trimmed).
func NormalizePosting(v map[string]string) {
	for _, f := range PostingFields {
		s := strings.TrimSpace(v[f.Code])
		switch f.Type {
		case TypeDate:
			if s != "" {
				s = NormalizeDate(s)
			}
		case TypePhone:
			if s != "" {
				s = NormalizePhone(s)
			}
		}
		v[f.Code] = s
	}
}

// CheckPosting returns the problems of a posting's values (normalised):
// a missing title, organisation or kind, a kind that is neither, values
// too long, a deadline that is no date, a contact that is no phone.
func CheckPosting(v map[string]string, now time.Time) []Problem {
	var out []Problem
	for i := range PostingFields {
		f := &PostingFields[i]
		s := v[f.Code]
		if s == "" {
			if postingRequired[f.Code] {
				out = append(out, Problem{Field: f.Code, Severity: SeverityError, Reason: ReasonRequired})
			}
			continue
		}
		if f.Type == TypeEnum {
			if s != PostingCourse && s != PostingJob {
				out = append(out, Problem{Field: f.Code, Severity: SeverityError, Reason: ReasonEnum})
			}
			continue
		}
		for _, p := range checkValue(nil, f, s, now) {
			if p.Severity == SeverityError {
				out = append(out, p)
			}
		}
	}
	return out
}
