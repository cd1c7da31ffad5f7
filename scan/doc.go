// Package scan brings images of papers into a case: from a folder a
// document camera's (高拍仪) software saves into, watched with fsnotify,
// and on Linux from a SANE scanner through scanimage. Compress makes each
// image a JPEG of sensible size before it is stored.
package scan
