// Package report writes the supervisors' Excel reports and reads the
// rosters of veterans expected in the city, with excelize.
//
// Reports are one workbook of four sheets (汇总表, 部门时效, 月度趋势,
// 案件明细) built in a single pass over the cases of a Source: the detail
// sheet is streamed row by row as the cases arrive while the figures of the
// other sheets are gathered, so a report over 100,000 cases needs memory
// for the figures and the compressed file only.
//
// Rosters are read row by row; columns are found by their header, whatever
// row it is on, and every row is checked with the rules of casework. Rows
// that fail are listed with a reason in Chinese by WriteImportResult, for
// the sender to fix.
package report
