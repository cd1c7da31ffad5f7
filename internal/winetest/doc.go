// Package winetest runs the Windows builds of vetdesk and vetdesk-hub under
// Wine on this Linux machine: its test cross-compiles both programs with
// mingw-w64, makes one Wine prefix (with the test-only bcryptprimitives.dll
// of scripts/wine) and drives the programs as a clerk and an admin would.
// It has no code of its own beyond the test.
package winetest
