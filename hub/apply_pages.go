package hub

import (
	"crypto/subtle"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strings"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// The 网上申请 pages: /apply (office and items), /apply/form (the unified
// form of those items and the scans, posted multipart with a CSRF token),
// /application (its state, appointment and notices, by number and code).

func init() {
	publicPages = template.Must(publicPages.Parse(`
{{define "apply"}}{{template "top" .}}<h1>{{.W.apply_title}}</h1>
<p class="meta">{{.W.apply_intro}}</p>
<form method="get" action="/apply/form" class="card">
<label for="office">{{.W.apply_office}}</label><select id="office" name="office" required>{{range .Offices}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select>
<fieldset><legend>{{.W.apply_items}}</legend>{{range .Items}}<label class="check"><input type="checkbox" name="items" value="{{.Value}}"{{if .Selected}} checked{{end}}> {{.Label}}</label>{{end}}</fieldset>
<button type="submit">{{.W.apply_next}}</button></form>
{{template "bottom" .}}{{end}}

{{define "apply_form"}}{{template "top" .}}<h1>{{.W.apply_title}}</h1>
{{if .Problems}}<div class="card err"><p>{{.W.apply_fix}}</p><ul>{{range .Problems}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
<form method="post" action="/apply/form" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="office" value="{{.Office}}">
{{range .ItemCodes}}<input type="hidden" name="items" value="{{.}}">{{end}}
{{range .Groups}}<div class="card"><h3>{{.Name}}</h3>{{range .Fields}}
<label for="f_{{.Code}}">{{.Label}}{{if .Required}} *{{end}}</label>
{{if .Options}}<select id="f_{{.Code}}" name="f_{{.Code}}"><option value=""></option>{{range .Options}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select>
{{else}}<input id="f_{{.Code}}" name="f_{{.Code}}" type="{{.Input}}" value="{{.Value}}"{{if .Required}} required{{end}}>{{end}}
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}{{if .Help}}<p class="meta">{{.Help}}</p>{{end}}{{end}}</div>{{end}}
<div class="card"><h3>{{.W.apply_scans}}</h3><p class="meta">{{.W.apply_scans_help}}</p>{{range .Materials}}
<label for="m_{{.Value}}">{{.Label}}</label><input id="m_{{.Value}}" name="m_{{.Value}}" type="file" accept="image/jpeg,image/png,application/pdf" multiple>{{end}}</div>
<button type="submit">{{.W.apply_submit}}</button></form>
{{template "bottom" .}}{{end}}

{{define "apply_done"}}{{template "top" .}}<h1>{{.W.apply_done_title}}</h1>
<div class="card"><dl><dt>{{.W.apply_number}}</dt><dd id="app-number">{{.App.Number}}</dd><dt>{{.W.progress_code}}</dt><dd id="app-code">{{.App.Code}}</dd></dl>
<p class="meta">{{.W.apply_done_help}}</p><p><a href="{{.App.Link}}">{{.W.apply_view}}</a></p></div>
{{template "bottom" .}}{{end}}

{{define "application"}}{{template "top" .}}<h1>{{.W.application_title}}</h1>
{{with .App}}<div class="card"><dl><dt>{{$.W.apply_number}}</dt><dd>{{.Number}}</dd><dt>{{$.W.progress_applicant}}</dt><dd>{{.Name}}</dd>
<dt>{{$.W.progress_state}}</dt><dd><span class="state s-{{.StateCode}}">{{.State}}</span></dd>
{{if .CaseNumber}}<dt>{{$.W.progress_number}}</dt><dd>{{.CaseNumber}}</dd>{{end}}</dl></div>
<div class="card"><h3>{{$.W.apply_items}}</h3><ul>{{range .Items}}<li>{{.}}</li>{{end}}</ul></div>
{{with .Appt}}<div class="card appointment"><h3>{{$.W.application_appointment}}</h3><dl>
<dt>{{$.W.application_when}}</dt><dd>{{.Date}} {{.Time}}</dd><dt>{{$.W.application_place}}</dt><dd>{{.Place}}</dd></dl>
{{if .Materials}}<p>{{$.W.application_bring}}</p><ul>{{range .Materials}}<li>{{.}}</li>{{end}}</ul>{{end}}</div>{{end}}
{{if .Reasons}}<div class="card"><p class="need">{{$.W.application_returned}}{{.Reasons}}</p></div>{{end}}
{{if .Notices}}<h2>{{$.W.progress_notices}}</h2>{{range .Notices}}<div class="card notice"><p class="meta">{{.At}}</p><p>{{.Body}}</p></div>{{end}}{{end}}
{{end}}{{template "bottom" .}}{{end}}
`))
}

// option is a choice of a select or a checkbox.
type option struct {
	Value, Label string
	Selected     bool
}

type formFieldView struct {
	Code, Label, Input, Value, Help, Error string
	Required                               bool
	Options                                []option
}

type formGroupView struct {
	Name   string
	Fields []formFieldView
}

type appView struct {
	Number, Code, Link, Name, State, StateCode, CaseNumber, Reasons string
	Items                                                           []string
	Appt                                                            *syncapi.Appointment
	Notices                                                         []progressNotice
}

// applyView is what the 网上申请 pages are given besides publicView.
type applyView struct {
	publicView
	Offices, Items, Materials []option
	Office                    string
	ItemCodes                 []string
	Groups                    []formGroupView
	CSRF                      string
	Problems                  []string
	App                       *appView
}

// offices are the divisions an application may be made to (not the city).
func (h *Hub) offices(selected string) []option {
	var out []option
	for _, d := range h.cat.Divisions {
		if d.Kind != "city" {
			out = append(out, option{Value: d.Code, Label: d.Name, Selected: d.Code == selected})
		}
	}
	return out
}

func (h *Hub) handleApply(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := applyView{publicView: publicView{W: words, Title: words["apply_title"]}, Offices: h.offices("")}
	for _, it := range h.onlineItems() {
		v.Items = append(v.Items, option{Value: it.Code, Label: it.Name})
	}
	h.render(w, r, http.StatusOK, "apply", v)
}

// optionsOf are the choices of f, labelled.
func (h *Hub) optionsOf(f *casework.Field, value string) []option {
	var out []option
	switch {
	case f.Type == casework.TypeBoolean:
		for _, v := range []string{"是", "否"} {
			out = append(out, option{Value: v, Label: v, Selected: v == value})
		}
	case f.Type == casework.TypeDivision || f.OptionsFrom == casework.OptionsDivisions:
		out = h.offices(value)
	case f.OptionsFrom == casework.OptionsPlacements:
		for _, p := range h.cat.Placements {
			out = append(out, option{Value: p.Code, Label: p.Name, Selected: p.Code == value})
		}
	case f.Type == casework.TypeEnum:
		for _, o := range h.cat.Options(f) {
			out = append(out, option{Value: o, Label: o, Selected: o == value})
		}
	}
	return out
}

func inputType(t casework.FieldType) string {
	switch t {
	case casework.TypeDate:
		return "date"
	case casework.TypePhone:
		return "tel"
	case casework.TypeNumber, casework.TypeMoney:
		return "text"
	}
	return "text"
}

// formView fills v with the unified form of items for office, the values
// typed and the problems found (by field).
func (h *Hub) formView(v *applyView, office string, items []string, values map[string]string, probs []syncapi.PortalProblem) {
	v.Office, v.ItemCodes = office, items
	vals := map[string]string{casework.FieldDivision: office}
	for k, x := range values {
		vals[k] = x
	}
	byField := map[string]string{}
	for _, p := range probs {
		if p.Field != "" && byField[p.Field] == "" {
			byField[p.Field] = p.Message
			continue
		}
		subject := ""
		if it := h.cat.Item(p.Item); it != nil {
			subject = it.Name + ":"
		}
		v.Problems = append(v.Problems, subject+p.Message)
	}
	form := casework.BuildForm(h.cat, items, vals)
	for _, g := range form.Groups {
		gv := formGroupView{Name: g.Name}
		for _, ff := range g.Fields {
			f := ff.Field
			if f.Type == casework.TypeDerived || f.Type == casework.TypePhoto || f.Code == casework.FieldDivision {
				continue
			}
			val := values[f.Code]
			if f.Sensitive != casework.SensitiveNone || f.Type == casework.TypeIDNumber || f.Type == casework.TypePhone || f.Type == casework.TypeBank {
				val = "" // no page shows an ID, phone or bank number: a refused form asks them again
			}
			fv := formFieldView{Code: f.Code, Label: f.Label, Input: inputType(f.Type), Value: val, Help: f.Help,
				Required: ff.Required, Error: byField[f.Code], Options: h.optionsOf(f, val)}
			if fv.Error != "" {
				v.Problems = append(v.Problems, f.Label+":"+fv.Error)
			}
			gv.Fields = append(gv.Fields, fv)
		}
		if len(gv.Fields) > 0 {
			v.Groups = append(v.Groups, gv)
		}
	}
	for k, msg := range byField {
		if strings.HasPrefix(k, "m_") || k == "office" {
			v.Problems = append(v.Problems, msg)
		}
	}
	for _, l := range casework.BuildChecklist(h.cat, items, vals).Lines {
		v.Materials = append(v.Materials, option{Value: l.Material.Code, Label: l.Material.Name})
	}
}

func (h *Hub) handleApplyForm(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	v := applyView{publicView: publicView{W: words, Title: words["apply_title"]}, CSRF: h.csrf(w, r)}
	h.formView(&v, q.Get("office"), q["items"], nil, nil)
	h.render(w, r, http.StatusOK, "apply_form", v)
}

// handleApplySubmit takes the posted form: the CSRF token first, then the
// fields and the scans, read part by part with their limits; a refusal
// shows the form again with the desk's messages.
func (h *Hub) handleApplySubmit(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	client := h.client(r)
	if !h.guesses.allow(client, "", h.now()) {
		h.render(w, r, http.StatusTooManyRequests, "progress_form", publicView{W: words, Title: words["apply_title"], Error: words["progress_too_many"]})
		return
	}
	refuse := func(status int, msg string) {
		h.render(w, r, status, "progress_form", publicView{W: words, Title: words["apply_title"], Error: msg})
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		refuse(http.StatusBadRequest, words["apply_bad_form"])
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxApplyBody)
	mr, err := r.MultipartReader()
	if err != nil {
		refuse(http.StatusBadRequest, words["apply_bad_form"])
		return
	}
	in := appInput{values: map[string]string{}, source: "web"}
	csrfChecked := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			refuse(http.StatusRequestEntityTooLarge, words["apply_scan_size"])
			return
		}
		name := p.FormName()
		if !csrfChecked {
			// the token is the form's first field: nothing is read before it
			tok, _ := io.ReadAll(io.LimitReader(p, 256))
			if name != "csrf" || !h.csrfOK(r, string(tok)) {
				h.audit(r.Context(), "portal:"+client, "apply_refused", "", "csrf")
				refuse(http.StatusForbidden, words["apply_csrf"])
				return
			}
			csrfChecked = true
			continue
		}
		switch {
		case strings.HasPrefix(name, "m_"):
			data, err := io.ReadAll(io.LimitReader(p, MaxScanBytes+1))
			if err != nil {
				refuse(http.StatusRequestEntityTooLarge, words["apply_scan_size"])
				return
			}
			fileName := rawFileName(p.Header.Get("Content-Disposition"))
			if fileName == "" && len(data) == 0 {
				continue // a file input left empty: no name, no bytes
			}
			// Anything else is a scan, judged by checkScan: a file the
			// veteran picked that is empty is refused ("文件为空"), bytes
			// without a name are judged by their content; none is
			// dropped without a word (#13).
			in.scans = append(in.scans, scanIn{material: strings.TrimPrefix(name, "m_"), name: fileName, data: data})
		default:
			b, _ := io.ReadAll(io.LimitReader(p, 4<<10))
			switch {
			case name == "office":
				in.office = string(b)
			case name == "items":
				in.items = append(in.items, string(b))
			case strings.HasPrefix(name, "f_"):
				in.values[strings.TrimPrefix(name, "f_")] = strings.TrimSpace(string(b))
			}
		}
	}
	if !csrfChecked {
		refuse(http.StatusForbidden, words["apply_csrf"])
		return
	}
	app, code, err := h.submitApplication(r.Context(), in)
	var ref *appRefusal
	if errors.As(err, &ref) {
		v := applyView{publicView: publicView{W: words, Title: words["apply_title"]}, CSRF: h.csrf(w, r)}
		h.formView(&v, in.office, in.items, in.values, ref.Problems)
		h.render(w, r, http.StatusUnprocessableEntity, "apply_form", v)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	v := applyView{publicView: publicView{W: words, Title: words["apply_done_title"]},
		App: &appView{Number: app.Number, Code: code, Link: applicationPath + "?n=" + app.Number + "&c=" + code}}
	h.render(w, r, http.StatusOK, "apply_done", v)
}

// rawFileName is the filename parameter of a part's Content-Disposition
// as sent (mime/multipart's FileName keeps only the base name, which
// would hide a path trick).
func rawFileName(cd string) string {
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return "/invalid"
	}
	return params["filename"]
}

// handleApplication shows an application by number and code, under the
// progress page's guessing limits.
func (h *Hub) handleApplication(w http.ResponseWriter, r *http.Request) {
	words, err := publicWords()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	number := strings.ToUpper(strings.TrimSpace(q.Get("n")))
	code := strings.ToUpper(strings.TrimSpace(q.Get("c")))
	pv := publicView{W: words, Title: words["application_title"], Number: number, Action: applicationPath}
	if number == "" && code == "" {
		h.render(w, r, http.StatusOK, "progress_form", pv)
		return
	}
	client, now := h.client(r), h.now()
	if !h.guesses.allow(client, number, now) {
		pv.Error = words["progress_too_many"]
		h.render(w, r, http.StatusTooManyRequests, "progress_form", pv)
		return
	}
	app, hash, err := h.application(r.Context(), number, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if app == nil || subtle.ConstantTimeCompare([]byte(hash), []byte(codeHash(code))) != 1 {
		h.guesses.wrong(client, number, app != nil, now)
		h.audit(r.Context(), "portal:"+client, "application_wrong_code", number, "")
		pv.Error = words["progress_wrong"]
		h.render(w, r, http.StatusNotFound, "progress_form", pv)
		return
	}
	av := &appView{Number: app.Number, Name: casework.MaskName(app.Values[casework.FieldName]), StateCode: app.State,
		State: words["application_state_"+app.State], CaseNumber: app.CaseNumber, Reasons: scrubPersonal(app.Reasons), Appt: app.Appointment}
	for _, it := range app.Items {
		av.Items = append(av.Items, h.itemName(it))
	}
	ns, err := h.CaseNotices(r.Context(), appNoticePrefix+app.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, n := range ns {
		av.Notices = append(av.Notices, progressNotice{At: n.Created.In(chinaTime).Format("2006-01-02 15:04"), Body: n.Body})
	}
	h.render(w, r, http.StatusOK, "application", applyView{publicView: pv, App: av})
}
