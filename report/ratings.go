package report

import (
	"context"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// The 好差评 sheet (#13): every rating given in the period to a case of
// the report's offices, with its 整改 follow-up. The name is masked and ID
// and phone numbers written into comments are masked unless the export
// may carry full values.

// RatingSource is what a Source also implements to fill the 好差评 sheet;
// a source without it gets the sheet empty.
type RatingSource interface {
	Ratings(ctx context.Context) ([]casework.Rating, error)
}

var ratingLevelNames = map[string]string{
	string(casework.RatingVerySatisfied):    "非常满意",
	string(casework.RatingSatisfied):        "满意",
	string(casework.RatingBasic):            "基本满意",
	string(casework.RatingDissatisfied):     "不满意",
	string(casework.RatingVeryDissatisfied): "非常不满意",
}

var ratingSourceName = map[string]string{"portal": "网上", "desk": "窗口"}

var ratingCols = []column{
	{"序号", 7}, {"案件编号", 24}, {"受理单位", 12}, {"姓名", 9}, {"评价日期", 11}, {"评价等级", 11},
	{"评价渠道", 8}, {"意见建议", 40}, {"整改期限", 11}, {"整改状态", 10}, {"整改说明", 30}, {"整改完成日期", 11},
}

// ratingsInPeriod returns the ratings of src given in the period to cases
// in scope; nil when src has none.
func ratingsInPeriod(ctx context.Context, src Source, a *aggregate) ([]casework.Rating, error) {
	rs, ok := src.(RatingSource)
	if !ok {
		return nil, nil
	}
	all, err := rs.Ratings(ctx)
	if err != nil {
		return nil, fmt.Errorf("read ratings: %w", err)
	}
	var out []casework.Rating
	for _, r := range all {
		if a.inScope(&casework.Case{Office: r.Office, Station: r.Station}) && a.inPeriod(r.At.In(cst)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// cst is the zone ratings' days are taken in.
var cst = time.FixedZone("CST", 8*3600)

func writeRatings(f *excelize.File, st *styles, a *aggregate, h heading, rs []casework.Rating, names map[string]string, full bool) error {
	s, err := openSheet(f, st, string(SheetRatings), ratingCols, 2)
	if err != nil {
		return err
	}
	sub := "好差评及整改情况表"
	if !full {
		sub += "(敏感信息已脱敏)"
	}
	if err := s.heading(h, sub); err != nil {
		return err
	}
	good, bad, open := 0, 0, 0
	for _, r := range rs {
		if r.Level.Bad() {
			bad++
			if r.Open() {
				open++
			}
		} else {
			good++
		}
	}
	line := fmt.Sprintf("共%d条评价,满意(含基本满意)%d条,不满意%d条,整改未完成%d条", len(rs), good, bad, open)
	if len(rs) > 0 {
		line += fmt.Sprintf(",满意率%.1f%%", float64(good)*100/float64(len(rs)))
	}
	if err := s.merged(line, st.section, len(ratingCols), 22); err != nil {
		return err
	}
	if err := s.header(24); err != nil {
		return err
	}
	first := s.row
	today := a.p.Today.In(cst)
	for i, r := range rs {
		name, comment, note := names[r.CaseID], r.Comment, r.CloseNote
		if !full {
			name, comment, note = casework.MaskName(name), casework.ScrubNumbers(comment), casework.ScrubNumbers(note)
		}
		state := "无需整改"
		switch {
		case r.Level.Bad() && r.Closed:
			state = "已整改"
		case r.Overdue(today):
			state = "逾期未整改"
		case r.Open():
			state = "整改中"
		}
		at := r.At.In(cst)
		if err := s.put([]any{
			cl(st.integer, i+1), cl(st.text, r.CaseNumber), cl(st.text, officeName(a.cat, r.Office)), cl(st.text, name),
			dateCell(st.date, dayOf(at), true), cl(st.textC, nameOr(ratingLevelNames, string(r.Level))),
			cl(st.textC, nameOr(ratingSourceName, r.Source)), cl(st.textW, comment),
			dateCell(st.date, dayOf(r.Due), !r.Due.IsZero()), cl(st.textC, state), cl(st.textW, note),
			dateCell(st.date, dayOf(r.ClosedAt.In(cst)), r.Closed),
		}, 0); err != nil {
			return err
		}
	}
	if err := s.filter(first, s.row, len(ratingCols)); err != nil {
		return err
	}
	return s.flush()
}
