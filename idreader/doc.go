// Package idreader reads the 居民身份证 (second-generation resident ID card)
// through the card reader's vendor SDK, loaded at run time: the 公安部
// general interface (sdtapi.dll / libsdtapi.so, with wltrs.dll / libwlt.so
// for the photo) or 华视's termb.dll / libtermb.so. Each SDK is a driver
// behind Reader; the library is loaded with golang.org/x/sys/windows on
// Windows and github.com/ebitengine/purego elsewhere, so nothing needs cgo
// at build time. A Card holds the card's fields decoded to the catalogue's
// values (UCS-2 or GB text, YYYY-MM-DD dates, 男/女, 民族 by GB/T 3304) and
// the photo as PNG.
package idreader
