//go:build !windows

package main

// defaultDataDir is the hub's data folder when -data is not given: beside
// the working directory (packages and units pass -data).
func defaultDataDir() string { return "vetdesk-hub-data" }
