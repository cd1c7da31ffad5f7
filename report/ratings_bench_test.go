package report

import (
	"context"
	"testing"
	"time"

	"vetdesk/casework"
)

type ratedCycle struct {
	cycleSource
	ratings []casework.Rating
}

func (s ratedCycle) Ratings(context.Context) ([]casework.Rating, error) { return s.ratings, nil }

// BenchmarkWrite100kRated writes the whole workbook over 100,000 cases of
// which 5,000 are rated, a fifth of them 差评: what the 好差评 sheet costs
// next to BenchmarkWrite100k.
func BenchmarkWrite100kRated(b *testing.B) {
	cat := loadCat(b)
	src := ratedCycle{cycleSource: bigSource(b, 100_000)}
	at := testToday.Add(-30 * 24 * time.Hour)
	for i, c := range src.base {
		l := casework.RatingLevels[i%len(casework.RatingLevels)]
		r := casework.Rating{ID: c.ID, CaseID: c.ID, CaseNumber: c.Number, Office: c.Office, Station: c.Station, Level: l,
			Comment: "办事效率高,服务热情", Source: "portal", At: at}
		if l.Bad() {
			r.Due = casework.RectifyDue(cat.Calendar, at)
		}
		src.ratings = append(src.ratings, r)
	}
	p := Params{Today: testToday}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Write(context.Background(), &countWriter{}, src, cat, p)
		if err != nil {
			b.Fatalf("Write = %v", err)
		}
		if res.Ratings == 0 {
			b.Fatalf("no rating written")
		}
	}
}
