package ui

import (
	_ "embed"
	"strconv"
	"strings"
	"unicode"
)

// Typing to choose: a select, a yes/no question or a material's status is
// chosen by typing, not by opening a list. What the clerk types is matched
// against the options in this order: the option's number (1 for the first;
// 10 and up where there are that many), the start of the option's text (汉
// for 汉族, typed through the input method), the pinyin initials of its
// characters (qz for 群众, hz for 汉族), then the text or initials anywhere in
// it (复 or f for 已收复印件). Each key narrows the choice; a key that
// matches nothing starts a new search with that key alone.

//go:embed pinyin_initials.txt
var pinyinInitialsData string

// pinyinInitials maps a Chinese character to the initials of its readings
// (行 → hx: 银行 and 执行 both find it). The table covers the characters of
// the catalogue's options (TestPinyinCoversOptions); TestGeneratePinyinInitials
// writes it.
var pinyinInitials = parsePinyinInitials(pinyinInitialsData)

func parsePinyinInitials(data string) map[rune]string {
	m := map[rune]string{}
	for _, line := range strings.Split(data, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ch, ini, ok := strings.Cut(line, "\t")
		r := []rune(ch)
		if !ok || len(r) != 1 {
			continue
		}
		m[r[0]] = ini
	}
	return m
}

// initialsMatch reports whether the letters typed are the initials of the
// first characters of label: every letter matches one character, a letter
// or digit of label matching itself.
func initialsMatch(label, typed string) bool {
	rs := []rune(label)
	if len(typed) == 0 || len(typed) > len(rs) {
		return false
	}
	for i, t := range typed {
		r := rs[i]
		switch {
		case r < 0x80:
			if unicode.ToLower(r) != t {
				return false
			}
		case !strings.ContainsRune(pinyinInitials[r], t):
			return false
		}
	}
	return true
}

// chooser keeps what has been typed into one choice widget.
type chooser struct {
	typed string
}

func (c *chooser) reset() { c.typed = "" }

// add takes rune r typed and returns the index of the option now chosen,
// or -1 when nothing matches.
func (c *chooser) add(options []string, r rune) int {
	if unicode.IsSpace(r) || !unicode.IsPrint(r) {
		return -1
	}
	r = unicode.ToLower(r)
	if i := matchOption(options, c.typed+string(r)); i >= 0 {
		c.typed += string(r)
		return i
	}
	c.typed = string(r)
	if i := matchOption(options, c.typed); i >= 0 {
		return i
	}
	c.typed = ""
	return -1
}

// matchOption returns the option typed names: by number, by its text's
// start, by its pinyin initials; -1 if none.
func matchOption(options []string, typed string) int {
	if n, err := strconv.Atoi(typed); err == nil {
		if n >= 1 && n <= len(options) {
			return n - 1
		}
		return -1
	}
	for i, o := range options {
		if strings.HasPrefix(strings.ToLower(o), typed) {
			return i
		}
	}
	for i, o := range options {
		if initialsMatch(o, typed) {
			return i
		}
	}
	// then anywhere in the option: 复 or f for 已收复印件
	for i, o := range options {
		if strings.Contains(strings.ToLower(o), typed) {
			return i
		}
	}
	for i, o := range options {
		for j := range o {
			if j > 0 && initialsMatch(o[j:], typed) {
				return i
			}
		}
	}
	return -1
}
