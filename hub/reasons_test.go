package hub

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"vetdesk/syncapi"
)

// TestReasonsHaveAKindTheDesktopWords: every reason the hub refuses an op
// with starts with one of syncapi.ReasonKinds, which the desktop turns into
// a Chinese sentence for the clerk. The test finds every Reason* name the
// package declares, so a new reason cannot slip past the list below.
func TestReasonsHaveAKindTheDesktopWords(t *testing.T) {
	reasons := map[string]string{
		"ReasonMalformed": ReasonMalformed, "ReasonClock": ReasonClock, "ReasonNotOwnOp": ReasonNotOwnOp,
		"ReasonUsers": ReasonUsers, "ReasonRestamp": ReasonRestamp, "ReasonUnknownUser": ReasonUnknownUser,
		"ReasonUserOffice": ReasonUserOffice, "ReasonUnknownCase": ReasonUnknownCase, "ReasonOffice": ReasonOffice,
		"ReasonDepartment": ReasonDepartment, "ReasonCaseFields": ReasonCaseFields, "ReasonMaterials": ReasonMaterials,
		"ReasonUnknownTask": ReasonUnknownTask, "ReasonTaskOwner": ReasonTaskOwner, "ReasonTaskField": ReasonTaskField,
		"ReasonRole": ReasonRole, "ReasonOtherTask": ReasonOtherTask, "ReasonRelease": ReasonRelease,
		"ReasonCaseClosed": ReasonCaseClosed, "ReasonNewTask": ReasonNewTask, "ReasonUnsigned": ReasonUnsigned,
		"ReasonNoKey": ReasonNoKey, "ReasonKeyTaken": ReasonKeyTaken, "ReasonFieldSize": ReasonFieldSize,
		"ReasonOpSize": ReasonOpSize,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || (g.Tok != token.CONST && g.Tok != token.VAR) {
				continue
			}
			for _, spec := range g.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if strings.HasPrefix(n.Name, "Reason") {
						if _, ok := reasons[n.Name]; !ok {
							t.Errorf("%s declares %s, which this test does not check: add it", f, n.Name)
						}
					}
				}
			}
		}
	}
	for name, r := range reasons {
		if syncapi.ReasonKind(r) == "" {
			t.Errorf("%s = %q has no kind of syncapi.ReasonKinds %v", name, r, syncapi.ReasonKinds)
		}
	}
}
