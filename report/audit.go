package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// Sheets of the audit export.
const (
	SheetAudit     = "审计记录"
	SheetAuditOver = "超出阈值"
)

// AuditRow is one audit entry of a desk as a supervisor reads it.
type AuditRow struct {
	At      time.Time
	Office  string
	Station string
	Seq     int64
	Login   string
	Action  string
	Target  string
	Success bool
	Detail  string
}

// DefaultAuditThresholds are the counts per user and day above which the
// dashboard flags an action, unless configured otherwise.
const DefaultAuditThresholds = "reveal=30,print=100,export=10,find=100,sync.set_aside=1"

// ParseThresholds reads "action=count,action=count".
func ParseThresholds(s string) (map[string]int, error) {
	out := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		action, n, ok := strings.Cut(part, "=")
		v, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || v < 0 || strings.TrimSpace(action) == "" {
			return nil, fmt.Errorf("threshold %q: want action=count", part)
		}
		out[strings.TrimSpace(action)] = v
	}
	return out, nil
}

// AuditCount is a user's count of an action in one day over its threshold.
type AuditCount struct {
	Day    string // YYYY-MM-DD in loc
	Office string
	Login  string
	Action string
	Count  int
	Limit  int
}

// OverThresholds counts rows per day (in loc), office, user and action and
// returns the counts above their action's limit, most first.
func OverThresholds(rows []AuditRow, limits map[string]int, loc *time.Location) []AuditCount {
	type key struct{ day, office, login, action string }
	counts := map[key]int{}
	for _, r := range rows {
		if _, ok := limits[r.Action]; ok {
			counts[key{r.At.In(loc).Format(time.DateOnly), r.Office, r.Login, r.Action}]++
		}
	}
	var out []AuditCount
	for k, n := range counts {
		if lim := limits[k.action]; n > lim {
			out = append(out, AuditCount{Day: k.day, Office: k.office, Login: k.login, Action: k.action, Count: n, Limit: lim})
		}
	}
	slices.SortFunc(out, func(a, b AuditCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Day+a.Login+a.Action, b.Day+b.Login+b.Action)
	})
	return out
}

// WriteAudit writes the audit rows (masked: casework.MaskAuditText) and
// the counts over limits to an Excel workbook. title names what was
// selected (offices, users, dates).
func WriteAudit(w io.Writer, rows []AuditRow, limits map[string]int, title string, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetAudit); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetAuditOver); err != nil {
		return fmt.Errorf("add sheet %s: %w", SheetAuditOver, err)
	}
	period := fmt.Sprintf("%s;导出时间:%s;身份证号码、电话号码已遮蔽", title, cnDate(now))
	s, err := openSheet(f, st, SheetAudit, []column{{"时间", 20}, {"单位", 10}, {"窗口", 16}, {"序号", 8},
		{"用户", 14}, {"操作", 14}, {"对象", 36}, {"结果", 8}, {"说明", 44}}, 0)
	if err != nil {
		return err
	}
	if err := s.heading(heading{"审计记录", period}, ""); err != nil {
		return err
	}
	if err := s.header(24); err != nil {
		return err
	}
	for _, r := range rows {
		ok := "成功"
		if !r.Success {
			ok = "失败"
		}
		if err := s.put([]any{cl(st.textC, r.At.In(now.Location()).Format(time.DateTime)), cl(st.textC, r.Office),
			cl(st.text, r.Station), cl(st.textC, r.Seq), cl(st.text, r.Login), cl(st.text, r.Action),
			cl(st.textW, casework.MaskAuditText(r.Action, r.Target)), cl(st.textC, ok),
			cl(st.textW, casework.MaskAuditText(r.Action, r.Detail))}, 0); err != nil {
			return err
		}
	}
	if err := s.filter(headerRow, s.row, 9); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	o, err := openSheet(f, st, SheetAuditOver, []column{{"日期", 12}, {"单位", 10}, {"用户", 14}, {"操作", 14},
		{"次数", 8}, {"阈值", 8}}, 0)
	if err != nil {
		return err
	}
	if err := o.heading(heading{"超出阈值的操作(每人每天)", period}, ""); err != nil {
		return err
	}
	if err := o.header(24); err != nil {
		return err
	}
	for _, c := range OverThresholds(rows, limits, now.Location()) {
		if err := o.put([]any{cl(st.textC, c.Day), cl(st.textC, c.Office), cl(st.text, c.Login), cl(st.text, c.Action),
			cl(st.integer, c.Count), cl(st.integer, c.Limit)}, 0); err != nil {
			return err
		}
	}
	if err := o.flush(); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write audit: %w", err)
	}
	return nil
}
