package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// ratedSource is cases with ratings.
type ratedSource struct {
	sliceSource
	ratings []casework.Rating
}

func (s ratedSource) Ratings(ctx context.Context) ([]casework.Rating, error) { return s.ratings, nil }

// TestRatingsSheet guards the 好差评 sheet (#13): every rating given in the
// period to a case of the report's offices is a row with its level, source,
// comment and follow-up state (整改中, 逾期未整改, 已整改, 无需整改) and the
// summary line counts them; the name is masked and a phone number in a
// comment too unless full values are allowed; ratings outside the period
// or the office are left out.
func TestRatingsSheet(t *testing.T) {
	cat := loadCat(t)
	var cases []*casework.Case
	for _, c := range testCases(t) {
		if c.State != casework.CaseDraft && c.Office == "371002" && c.Values[casework.FieldName] != "" && len(cases) < 5 {
			cases = append(cases, c)
		}
	}
	if len(cases) < 5 {
		t.Fatalf("%d accepted cases of 371002, want 5", len(cases))
	}
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	phone := "13912345678"
	rating := func(c *casework.Case, l casework.RatingLevel, at time.Time, office string) casework.Rating {
		r := casework.Rating{ID: c.ID + "-r", CaseID: c.ID, CaseNumber: c.Number, Office: office, Level: l, Source: "portal", At: at}
		if l.Bad() {
			r.Due = casework.RectifyDue(cat.Calendar, at)
		}
		return r
	}
	rs := []casework.Rating{
		rating(cases[0], casework.RatingVerySatisfied, at, "371002"),
		rating(cases[1], casework.RatingDissatisfied, at, "371002"),                                       // open, overdue by testToday
		rating(cases[2], casework.RatingVeryDissatisfied, testToday.Add(-time.Hour), "371002"),            // open, not due
		rating(cases[3], casework.RatingDissatisfied, at, "371002"),                                       // closed
		rating(cases[4], casework.RatingSatisfied, time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), "371002"), // before the period
		rating(cases[0], casework.RatingSatisfied, at, "371003"),                                          // another district
	}
	rs[1].Comment = "窗口让我跑了两趟,电话" + phone
	rs[3].Closed, rs[3].ClosedAt, rs[3].CloseNote = true, at.AddDate(0, 0, 3), "已回访"
	rs[3].Source = "desk"
	src := ratedSource{sliceSource(cases), rs}
	p := Params{Today: testToday, Office: "371002", From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: testToday}
	for _, full := range []bool{false, true} {
		p.FullValues = full
		var buf bytes.Buffer
		res, err := Write(context.Background(), &buf, src, cat, p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(string(SheetRatings))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.Ratings != 4 {
			t.Errorf("full=%v: Result.Ratings = %d, want 4", full, res.Ratings)
		}
		if len(rows) != 4+4 || !strings.Contains(rows[2][0], "共4条评价") || !strings.Contains(rows[2][0], "不满意3条") || !strings.Contains(rows[2][0], "整改未完成2条") {
			t.Fatalf("full=%v: sheet rows %d, summary %q, want 4 ratings of which 3 bad, 2 open", full, len(rows), rows[2])
		}
		if rows[3][5] != "评价等级" {
			t.Fatalf("header row = %v", rows[3])
		}
		want := []struct{ level, source, state string }{
			{"非常满意", "网上", "无需整改"}, {"不满意", "网上", "逾期未整改"}, {"不满意", "窗口", "已整改"}, {"非常不满意", "网上", "整改中"},
		}
		byNumber := map[string][]string{}
		for _, r := range rows[4:] {
			byNumber[r[1]] = r
		}
		for i, w := range want {
			c := []*casework.Case{cases[0], cases[1], cases[3], cases[2]}[i]
			r := byNumber[c.Number]
			if r == nil {
				t.Fatalf("full=%v: no row of %s", full, c.Number)
			}
			if r[5] != w.level || r[6] != w.source || r[9] != w.state {
				t.Errorf("full=%v: row of %s = %v, want %s/%s/%s", full, c.Number, r, w.level, w.source, w.state)
			}
			name := c.Values[casework.FieldName]
			if full != (r[3] == name) || (!full && r[3] != casework.MaskName(name)) {
				t.Errorf("full=%v: name %q of %q", full, r[3], name)
			}
		}
		comment := byNumber[cases[1].Number][7]
		if full != strings.Contains(comment, phone) || !strings.Contains(comment, "跑了两趟") {
			t.Errorf("full=%v: comment %q, phone shown %v", full, comment, strings.Contains(comment, phone))
		}
		if note := byNumber[cases[3].Number][10]; note != "已回访" {
			t.Errorf("full=%v: follow-up note %q, want 已回访", full, note)
		}
	}
}
