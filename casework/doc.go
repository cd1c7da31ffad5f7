// Package casework is the domain of vetdesk: the catalogue of items, fields
// and materials (loaded from data files), the case and its tasks, the unified
// form (一表申请) and materials checklist (一套材料) builders, validation,
// the lifecycle of cases and department tasks, working-day due dates, case
// numbers, the one-time subsidy and a generator of synthetic cases.
//
// It imports the standard library only. Messages meant for people are not
// here: problems and errors carry machine-readable reasons, and the ui
// package words them in Chinese.
package casework
