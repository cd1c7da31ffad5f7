package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// 就业培训 postings imported from Excel (#13): a station keeps its training
// courses and job postings in a sheet, one a row, and publishes them from
// the desk. The header row is found as a roster's is; rows are checked by
// casework.CheckPosting and refused with the reasons worded as the roster
// import words them.

// PostingRow is one accepted row: the posting's values keyed by the
// casework.Posting* field codes, normalised.
type PostingRow struct {
	Values    map[string]string
	SourceRow int // 1-based
}

// PostingResult is what ReadPostings found.
type PostingResult struct {
	Sheet     string
	HeaderRow int
	Entries   []PostingRow
	Rejected  []RosterReject
	Rows      int
}

// ErrNoPostingHeader: no sheet has a header row naming at least the
// title and organisation columns in its first ten rows.
var ErrNoPostingHeader = errors.New("postings: no header row with title and organisation")

var postingAliases = map[string][]string{
	casework.PostingKind:     {"类别", "类型", "信息类别", "种类"},
	casework.PostingTitle:    {"名称", "标题", "课程名称", "岗位名称", "培训项目", "招聘岗位", "培训课程", "岗位"},
	casework.PostingOrg:      {"培训机构", "用人单位", "单位", "机构", "主办单位", "单位名称", "机构名称", "培训机构/用人单位"},
	casework.PostingPlace:    {"地点", "培训地点", "工作地点", "地址"},
	casework.PostingSchedule: {"时间", "培训时间", "开课时间", "工作时间", "时间安排"},
	casework.PostingDeadline: {"报名截止", "截止日期", "报名截止日期", "截止时间", "报名截止时间"},
	casework.PostingDetails:  {"内容", "简介", "说明", "课程内容", "岗位要求", "详情", "备注", "待遇", "岗位职责"},
	casework.PostingContact:  {"联系电话", "咨询电话", "电话", "联系方式"},
}

var postingLabels = map[string]string{
	casework.PostingKind: "类别", casework.PostingTitle: "名称", casework.PostingOrg: "培训机构/用人单位",
	casework.PostingPlace: "地点", casework.PostingSchedule: "时间", casework.PostingDeadline: "报名截止日期",
	casework.PostingDetails: "内容", casework.PostingContact: "联系电话",
}

// postingKinds reads the kind column: the words stations write.
var postingKinds = map[string]string{
	"培训课程": casework.PostingCourse, "培训": casework.PostingCourse, "课程": casework.PostingCourse, "技能培训": casework.PostingCourse,
	"招聘信息": casework.PostingJob, "招聘": casework.PostingJob, "岗位": casework.PostingJob, "就业": casework.PostingJob, "招聘岗位": casework.PostingJob,
	casework.PostingCourse: casework.PostingCourse, casework.PostingJob: casework.PostingJob,
}

// ReadPostings reads the postings of the first sheet with a header row.
func ReadPostings(ctx context.Context, rd io.Reader, now time.Time) (PostingResult, error) {
	f, err := excelize.OpenReader(rd)
	if err != nil {
		return PostingResult{}, fmt.Errorf("open postings: %w", err)
	}
	defer f.Close()
	byHeader := map[string]string{}
	for code, names := range postingAliases {
		for _, n := range names {
			byHeader[normHeader(n)] = code
		}
	}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return PostingResult{}, fmt.Errorf("read sheet %s: %w", sheet, err)
		}
		for h := 0; h < len(rows) && h < headerScanRows; h++ {
			fields := make([]string, len(rows[h]))
			has := map[string]bool{}
			for i, cell := range rows[h] {
				if code, ok := byHeader[normHeader(cell)]; ok && !has[code] {
					fields[i], has[code] = code, true
				}
			}
			if !has[casework.PostingTitle] || !has[casework.PostingOrg] {
				continue
			}
			res := PostingResult{Sheet: sheet, HeaderRow: h + 1}
			for n := h + 1; n < len(rows); n++ {
				if n%512 == 0 {
					if err := ctx.Err(); err != nil {
						return res, err
					}
				}
				if blank(rows[n]) {
					continue
				}
				res.Rows++
				v, reasons := postingRow(fields, rows[n], now)
				if len(reasons) > 0 {
					res.Rejected = append(res.Rejected, RosterReject{SourceRow: n + 1, Cells: rows[n], Reasons: reasons})
					continue
				}
				res.Entries = append(res.Entries, PostingRow{Values: v, SourceRow: n + 1})
			}
			return res, nil
		}
	}
	return PostingResult{}, ErrNoPostingHeader
}

// postingRow reads one row's values and words its problems.
func postingRow(fields, cells []string, now time.Time) (map[string]string, []string) {
	v := map[string]string{}
	raw := map[string]string{}
	for i, code := range fields {
		if code != "" && i < len(cells) {
			raw[code] = strings.TrimSpace(cells[i])
		}
	}
	for code, s := range raw {
		v[code] = s
	}
	var reasons []string
	if k := raw[casework.PostingKind]; k != "" {
		kind, ok := postingKinds[normHeader(k)]
		if !ok {
			reasons = append(reasons, fmt.Sprintf("类别“%s”不是可选值(可填:培训课程、招聘信息)", k))
			kind = casework.PostingCourse // checked already
		}
		v[casework.PostingKind] = kind
	} else {
		v[casework.PostingKind] = casework.PostingCourse // a sheet without kinds lists courses
	}
	if d := raw[casework.PostingDeadline]; d != "" {
		if iso, ok := parseRosterDate(d); ok {
			v[casework.PostingDeadline] = iso
		}
	}
	casework.NormalizePosting(v)
	for _, p := range casework.CheckPosting(v, now) {
		label, val := postingLabels[p.Field], raw[p.Field]
		switch p.Reason {
		case casework.ReasonRequired:
			reasons = append(reasons, label+"未填写")
		case casework.ReasonTooLong:
			reasons = append(reasons, fmt.Sprintf("%s不能超过%s个字", label, p.Arg))
		case casework.ReasonDateFormat:
			reasons = append(reasons, fmt.Sprintf("%s“%s”不是有效日期", label, val))
		case casework.ReasonPhoneFormat:
			reasons = append(reasons, fmt.Sprintf("%s“%s”不是有效的手机号码或固定电话", label, val))
		case casework.ReasonEnum:
			// worded above
		default:
			reasons = append(reasons, fmt.Sprintf("%s“%s”填写有误", label, val))
		}
	}
	return v, reasons
}
