package report

import (
	"strconv"
	"strings"

	"vetdesk/casework"
)

// Chinese words of the workbooks: reports are documents for people, not
// messages of the program.

var caseStateName = map[casework.CaseState]string{
	casework.CaseDraft:      "草稿",
	casework.CaseAccepted:   "已受理",
	casework.CaseInProgress: "办理中",
	casework.CaseDone:       "已办结",
	casework.CaseWithdrawn:  "已撤回",
}

var taskStateName = map[casework.TaskState]string{
	casework.TaskPending:   "待办",
	casework.TaskWaiting:   "等待前置事项",
	casework.TaskWorking:   "办理中",
	casework.TaskDone:      "已办结",
	casework.TaskReturned:  "退回补正",
	casework.TaskRefused:   "不予办理",
	casework.TaskCancelled: "已撤销",
}

func nameOr(m map[string]string, code string) string {
	if s, ok := m[code]; ok {
		return s
	}
	return code
}

func caseStateLabel(s casework.CaseState) string {
	if n, ok := caseStateName[s]; ok {
		return n
	}
	return string(s)
}

func taskStateLabel(s casework.TaskState) string {
	if n, ok := taskStateName[s]; ok {
		return n
	}
	return string(s)
}

// officeName returns the name of an org unit as people at the counters say
// it: a district's name, a zone's short name (高区 for 威海火炬高技术产业开发区,
// taken from its office's name), or the code when unknown.
func officeName(cat *casework.Catalogue, code string) string {
	d := cat.Division(code)
	if d == nil {
		return code
	}
	if d.Kind == "zone" {
		if short, ok := strings.CutSuffix(d.Office, "退役军人服务中心"); ok && short != "" {
			return short
		}
	}
	return d.Name
}

func deptShort(cat *casework.Catalogue, code string) string {
	if d := cat.Department(code); d != nil && d.Short != "" {
		return d.Short
	}
	return deptName(cat, code)
}

func itemName(cat *casework.Catalogue, code string) string {
	if it := cat.Item(code); it != nil {
		return it.Name
	}
	return code
}

// itemHead is an item's column header: its number and name.
func itemHead(it *casework.Item) string {
	if it.No > 0 {
		return strconv.Itoa(it.No) + "." + it.Name
	}
	return it.Name
}

func deptName(cat *casework.Catalogue, code string) string {
	if d := cat.Department(code); d != nil {
		return d.Name
	}
	return code
}

func placementName(cat *casework.Catalogue, code string) string {
	if p := cat.Placement(code); p != nil {
		return p.Name
	}
	return code
}
