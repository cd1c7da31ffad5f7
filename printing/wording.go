package printing

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"text/template"
)

// wording is one document's fixed text: titles, sentences, labels. Values
// are text/template strings; most have no actions.
type wording map[string]*template.Template

// wordingFiles are the documents whose wording is loaded, one JSON file
// each.
var wordingFiles = []string{"common", "receipt", "notice", "regform", "letter", "subsidy"}

// loadWordings reads <name>.json for every document from src, then overlays
// the keys found in the same files of over (which may be nil or lack files).
func loadWordings(src, over fs.FS) (map[string]wording, error) {
	out := make(map[string]wording, len(wordingFiles))
	for _, name := range wordingFiles {
		w := wording{}
		if err := w.load(src, name+".json", true); err != nil {
			return nil, err
		}
		if over != nil {
			if err := w.load(over, name+".json", false); err != nil {
				return nil, err
			}
		}
		out[name] = w
	}
	return out, nil
}

func (w wording) load(fsys fs.FS, file string, required bool) error {
	b, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return fmt.Errorf("printing: wording %s: %w", file, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("printing: wording %s: %w", file, err)
	}
	for k, v := range m {
		t, err := template.New(path.Join(file, k)).Option("missingkey=zero").Parse(v)
		if err != nil {
			return fmt.Errorf("printing: wording %s key %s: %w", file, k, err)
		}
		w[k] = t
	}
	return nil
}

// s returns the text of key without data.
func (w wording) s(key string) string { return w.f(key, nil) }

// f returns the text of key executed with data. A missing key prints as
// 【key】 so the gap shows on paper and in tests.
func (w wording) f(key string, data any) string {
	t := w[key]
	if t == nil {
		return "【" + key + "】"
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "【" + key + "】"
	}
	return b.String()
}
