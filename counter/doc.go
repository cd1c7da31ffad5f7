// Package counter holds the application services of the counter that the
// desktop window and the command line share: printing a document of a case
// (render, save atomically, send to the printer, number and audit), the
// synthetic demo data set, and exports. It wires store, printing and report
// together so neither ui nor cmd repeats that logic.
package counter
