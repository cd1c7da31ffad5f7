package ui

import (
	"bytes"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/idreader"
	"vetdesk/scan"
	"vetdesk/store"
)

// skipInForm are fields the intake asks in steps 1 and 2, not in the form.
var skipInForm = map[string]bool{casework.FieldIDNumber: true, casework.FieldPlacement: true, casework.FieldCategory: true}

// materialChoices are the statuses a clerk can give a material, in order.
var materialChoices = []casework.MaterialStatus{casework.MaterialRequired, casework.MaterialOriginal, casework.MaterialCopy, casework.MaterialShared}

// IntakeScreen is the guided intake: ID number, placement and items, the
// unified form, the materials checklist, review and acceptance. The draft
// is saved field by field as the clerk works, so a crash loses at most the
// field being typed.
type IntakeScreen struct {
	d   *Desk
	cat *casework.Catalogue
	C   *casework.Case

	ID        *commitEntry
	IDInfo    *widget.Label
	Duplicate *widget.Label
	Category  *navSelect
	Placement *navSelect
	Items     map[string]*navCheck
	ItemNotes map[string]*widget.Label
	Inputs    map[string]*FieldInput
	Materials map[string]*widget.RadioGroup
	Attach    map[string]*widget.Button
	Problems  *widget.Label
	Review    *navButton
	Accept    *navButton
	SaveBtn   *navButton
	SavedInfo *widget.Label
	Saving    *widget.Label
	// MatCount heads the checklist with its count, the same as Saving's.
	MatCount *widget.Label
	Result   *fyne.Container
	Offer    *DraftOffer // the offer to continue an earlier draft, while open
	// ReadCardBtn reads the ID card on the reader (Ctrl+R); CardInfo says
	// how the reading went.
	ReadCardBtn *widget.Button
	CardInfo    *widget.Label
	// card is the last card read, kept until its materials are on the
	// checklist (the items may be chosen after the reading).
	card     *idreader.Card
	cardMats map[string]bool // materials the card has been recorded on
	// scans takes the document camera's and scanner's images (scans.go).
	scans *scanBar
	// cardPoll reads cards placed on the reader (设置 › 放上身份证即读取).
	cardPoll *cardPoll
	// onCardPolled, when set, runs after the poll applied a card (tests).
	onCardPolled func()

	printMsg  *widget.Label // where printing reports, with the result
	formBox   *fyne.Container
	matBox    *fyne.Container
	scroll    *container.Scroll
	placeCode []string
	order     []fyne.Focusable
	// the keyboard layer (intake_keys.go, intake_nav.go): the nav, which
	// field each widget is, what was pre-filled (code → the value filled
	// in), the materials' keyboard stops and the side index of the groups
	nav       *focusNav
	fieldOf   map[fyne.Focusable]string
	prefilled map[string]string
	matKeys   map[string]*keyRadio
	index     *fyne.Container
	side      *container.Scroll // the index and the problems beside the form
	groups    []formGroup
	building  bool
	formKey   string
}

// NewIntakeScreen starts a new intake.
func NewIntakeScreen(d *Desk) *IntakeScreen { return NewIntakeScreenFor(d, nil) }

// NewIntakeScreenFor resumes draft c (nil starts a new one).
func NewIntakeScreenFor(d *Desk, c *casework.Case) *IntakeScreen {
	s := &IntakeScreen{d: d, cat: d.Svc.Cat, C: c,
		ID: newCommitEntry(), IDInfo: widget.NewLabel(""), Duplicate: widget.NewLabel(""),
		Items: map[string]*navCheck{}, ItemNotes: map[string]*widget.Label{},
		Inputs: map[string]*FieldInput{}, Materials: map[string]*widget.RadioGroup{}, Attach: map[string]*widget.Button{},
		Problems: widget.NewLabel(""), SavedInfo: widget.NewLabel(""), Saving: widget.NewLabel(""), MatCount: widget.NewLabel(""),
		formBox: container.NewVBox(), matBox: container.NewVBox(), Result: container.NewVBox(),
		CardInfo: widget.NewLabel(""), cardMats: map[string]bool{}}
	s.ReadCardBtn = widget.NewButton(T("idcard.button"), s.ReadCard)
	s.scans = s.newScanBar()
	s.CardInfo.Wrapping = fyne.TextWrapWord
	s.CardInfo.Hide() // shown once a reading has something to say
	s.Problems.Wrapping = fyne.TextWrapWord
	s.Duplicate.Wrapping = fyne.TextWrapWord
	s.Duplicate.Importance = widget.DangerImportance
	s.ID.SetPlaceHolder(T("intake.id.hint"))
	s.ID.OnSubmitted = func(string) { s.submitID() }

	s.Category = newNavSelect(s.fieldLabels(casework.FieldCategory), func(string) { s.placementChanged(false) })
	s.Placement = newNavSelect(nil, func(string) { s.placementChanged(true) })
	s.offerPlacements()
	for _, it := range s.cat.Items {
		code := it.Code
		s.Items[code] = newNavCheck(it.Name, func(bool) { s.itemsChanged() })
		s.ItemNotes[code] = widget.NewLabel("")
	}
	s.Review = newNavButton(T("intake.check"), s.ReviewNow)
	s.Accept = newNavButton(T("intake.accept"), s.AcceptNow)
	s.Accept.Importance = widget.HighImportance
	s.SaveBtn = newNavButton(T("intake.save"), s.Save)
	s.initKeys()
	if c != nil {
		s.load()
	}
	return s
}

func (s *IntakeScreen) fieldLabels(code string) []string {
	if f := s.cat.Field(code); f != nil {
		return f.Options
	}
	return nil
}

// load shows a resumed draft.
func (s *IntakeScreen) load() {
	s.building = true
	defer func() { s.building = false }()
	s.ID.SetText(s.C.Value(casework.FieldIDNumber))
	s.Category.SetSelected(s.C.Value(casework.FieldCategory))
	s.offerPlacements()
	for i, code := range s.placeCode {
		if code == s.C.Placement() {
			s.Placement.SetSelected(s.Placement.Options[i])
		}
	}
	for code, chk := range s.Items {
		chk.SetChecked(s.C.HasItem(code))
	}
	s.showIDInfo()
	s.rebuild()
}

// office is the office a new draft is taken for.
func (s *IntakeScreen) office() string {
	if s.C != nil {
		return s.C.Office
	}
	dev, _ := s.d.Svc.Store.Device(s.d.ctx())
	if dev.Office != "" {
		return dev.Office
	}
	return s.d.User.Office
}

// otherDrafts returns the drafts of ID number id at office other than the
// one on screen, oldest first.
func (s *IntakeScreen) otherDrafts(id, office string) []store.CaseSummary {
	rows, _, err := s.d.Svc.Store.Search(s.d.ctx(), store.Query{IDNumber: id, Office: office,
		States: []casework.CaseState{casework.CaseDraft}, OldestFirst: true, Limit: 20})
	if err != nil {
		return nil
	}
	out := rows[:0]
	for _, r := range rows {
		if s.C == nil || r.ID != s.C.ID {
			out = append(out, r)
		}
	}
	return out
}

// duplicateLines warns of accepted cases and other drafts of the ID number.
func (s *IntakeScreen) duplicateLines() []string {
	if s.C == nil {
		return nil
	}
	id := s.C.Value(casework.FieldIDNumber)
	if id == "" {
		return nil
	}
	var lines []string
	if dups, err := s.d.Svc.Store.FindDuplicates(s.d.ctx(), id, s.C.Office); err == nil {
		for _, dup := range dups {
			if dup.ID != s.C.ID {
				lines = append(lines, T("intake.duplicate", map[string]any{"Number": dup.Number, "State": CaseStateName(dup.State)}))
				break
			}
		}
	}
	if n := len(s.otherDrafts(id, s.C.Office)); n > 0 {
		lines = append(lines, T("intake.duplicate.drafts", map[string]any{"N": n}))
	}
	return lines
}

// DraftOffer is the open offer to continue an earlier draft, kept for tests.
type DraftOffer struct {
	dlg      *dialog.CustomDialog
	Continue []*widget.Button // one per draft, oldest first
	New      *widget.Button
}

// offerDrafts asks whether to continue one of drafts or start anew
// (startNew).
func (s *IntakeScreen) offerDrafts(drafts []store.CaseSummary, startNew func()) {
	names := userNames(s.d)
	box := container.NewVBox()
	offer := &DraftOffer{}
	for _, r := range drafts {
		id := r.ID
		b := widget.NewButton(T("intake.draft.continue", map[string]any{"Draft": draftLabel(r, names)}), func() {
			offer.dlg.Hide()
			c, err := s.d.Svc.Store.Case(s.d.ctx(), id)
			if err != nil {
				s.IDInfo.SetText(ErrorText(err))
				return
			}
			s.d.show(NewIntakeScreenFor(s.d, c))
		})
		b.Alignment = widget.ButtonAlignLeading
		offer.Continue = append(offer.Continue, b)
		box.Add(b)
	}
	if len(offer.Continue) > 0 {
		offer.Continue[0].Importance = widget.HighImportance
	}
	offer.New = widget.NewButton(T("intake.draft.new"), func() {
		offer.dlg.Hide()
		startNew()
	})
	text := widget.NewLabel(T("intake.draft.found", map[string]any{"N": len(drafts)}))
	text.Wrapping = fyne.TextWrapWord
	offer.dlg = dialog.NewCustomWithoutButtons(T("intake.draft.title"), container.NewVBox(text, box), s.d.Win)
	offer.dlg.SetButtons([]fyne.CanvasObject{offer.New})
	offer.dlg.Resize(fyne.NewSize(560, 0))
	s.Offer = offer
	offer.dlg.Show()
	if len(offer.Continue) > 0 {
		s.d.Win.Canvas().Focus(offer.Continue[0])
	}
}

// ensureDraft makes the draft case the first time there is something to keep.
func (s *IntakeScreen) ensureDraft() {
	if s.C != nil {
		return
	}
	dev, _ := s.d.Svc.Store.Device(s.d.ctx())
	office := dev.Office
	if office == "" {
		office = s.d.User.Office
	}
	s.C = casework.NewCase(uuid.Must(uuid.NewV7()).String(), s.cat, office, s.d.Svc.Now())
	s.C.Station = dev.Station
	s.C.CreatedBy = s.d.User.Login
}

// submitID validates the ID number, fills birth date and sex, warns of a
// duplicate and pre-fills from the roster, then moves on.
func (s *IntakeScreen) submitID() {
	id := casework.NormalizeIDNumber(s.ID.Text)
	s.ID.SetText(id)
	info, err := casework.ParseIDNumber(id, s.cat.Areas, s.d.Svc.Now())
	if err != nil {
		ie := err.(*casework.IDError)
		s.IDInfo.SetText(T("problem."+ie.Reason, map[string]any{"Arg": ie.Arg}))
		s.IDInfo.Importance = widget.DangerImportance
		s.IDInfo.Refresh()
		return
	}
	if s.C == nil {
		// a draft of this ID may wait here or have come from a colleague:
		// offer it before starting another
		if drafts := s.otherDrafts(id, s.office()); len(drafts) > 0 {
			s.offerDrafts(drafts, func() { s.startWithID(id, info) })
			return
		}
	}
	s.startWithID(id, info)
}

// startWithID records a valid ID number in the draft and moves on.
func (s *IntakeScreen) startWithID(id string, info casework.IDInfo) {
	s.ensureDraft()
	s.C.Values[casework.FieldIDNumber] = id
	s.C.Values[casework.FieldBirthDate] = info.Birth.Format("2006-01-02")
	s.C.Values[casework.FieldSex] = info.Sex()
	s.showIDInfo()
	s.Duplicate.SetText(strings.Join(s.duplicateLines(), "\n"))
	if s.d.Svc.Roster != nil {
		if vals := s.d.Svc.Roster(s.d.ctx(), id); len(vals) > 0 {
			n := 0
			for k, v := range vals {
				if s.C.Values[k] == "" && v != "" {
					s.C.Values[k] = v
					s.prefill(k)
					n++
				}
			}
			s.IDInfo.SetText(s.IDInfo.Text + "  " + T("intake.roster", map[string]any{"N": n}))
			s.loadSteps()
		}
	}
	s.prefill(casework.FieldBirthDate, casework.FieldSex)
	s.rebuild()
	s.persist()
	s.focusAfter(s.ID) // the category, or the first field not pre-filled
}

// loadSteps shows values in steps 2 (category and placement) after a pre-fill.
func (s *IntakeScreen) loadSteps() {
	s.building = true
	defer func() { s.building = false }()
	if v := s.C.Value(casework.FieldCategory); v != "" {
		s.Category.SetSelected(v)
	}
	s.offerPlacements()
	for i, code := range s.placeCode {
		if code == s.C.Placement() {
			s.Placement.SetSelected(s.Placement.Options[i])
		}
	}
	s.tickEligible()
}

func (s *IntakeScreen) showIDInfo() {
	id := s.C.Value(casework.FieldIDNumber)
	if id == "" {
		return
	}
	s.IDInfo.Importance = widget.SuccessImportance
	s.IDInfo.SetText(T("intake.id.ok", map[string]any{"Birth": s.C.Value(casework.FieldBirthDate), "Sex": s.C.Value(casework.FieldSex)}))
}

// placementChanged records category/placement and, when the placement
// changed, ticks the eligible items.
func (s *IntakeScreen) placementChanged(placement bool) {
	if s.building {
		return
	}
	s.ensureDraft()
	s.C.Values[casework.FieldCategory] = s.Category.Selected
	if !placement {
		s.offerPlacements()
	}
	if i := s.Placement.SelectedIndex(); i >= 0 {
		s.C.Values[casework.FieldPlacement] = s.placeCode[i]
	} else {
		delete(s.C.Values, casework.FieldPlacement)
	}
	if placement {
		s.tickEligible()
	} else {
		s.dropExcluded()
	}
	s.refreshDerived()
	s.rebuild()
	s.persist()
}

// offerPlacements offers only the placements the catalogue allows for the
// chosen personnel category (义务兵 is not offered 转业 or 退休); a chosen
// placement the category does not allow is cleared.
func (s *IntakeScreen) offerPlacements() {
	cur := ""
	if i := s.Placement.SelectedIndex(); i >= 0 {
		cur = s.placeCode[i]
	}
	s.placeCode = s.placeCode[:0]
	var labels []string
	selected := ""
	for _, p := range s.cat.PlacementsFor(s.Category.Selected) {
		s.placeCode = append(s.placeCode, p.Code)
		labels = append(labels, p.Name)
		if p.Code == cur {
			selected = p.Name
		}
	}
	s.Placement.Options, s.Placement.Selected = labels, selected
	s.Placement.Refresh()
}

// tickEligible ticks every eligible item and disables the others with the
// reason beside them.
func (s *IntakeScreen) tickEligible() {
	was := s.building
	s.building = true
	defer func() { s.building = was }()
	var items []string
	for _, it := range s.cat.Items {
		chk := s.Items[it.Code]
		if _, ex := it.Excluded(s.C.Values); !ex {
			chk.Enable()
			chk.SetChecked(true)
			items = append(items, it.Code)
			s.ItemNotes[it.Code].SetText(s.dependsNote(&it))
		} else {
			chk.SetChecked(false)
			chk.Disable()
			s.ItemNotes[it.Code].SetText(s.excludedNote(&it))
		}
	}
	s.C.SetItems(s.cat, items)
}

// refreshDerived derives 服役年限 from the service dates (casework.Derive),
// shows it where the form has the field, and warns there when the length
// does not fit the 人员类别.
func (s *IntakeScreen) refreshDerived() {
	if s.C == nil {
		return
	}
	casework.Derive(s.C.Values)
	in := s.Inputs[casework.FieldServiceYears]
	if in == nil {
		return
	}
	in.Set(s.C.Values[casework.FieldServiceYears])
	if p := s.cat.ServiceFits(s.C.Values); p != nil {
		in.ShowProblem(ProblemText(s.cat, *p), true)
	} else {
		in.ShowProblem("", false)
	}
}

// excludedNote says why an item is greyed out: the placement, or the answer
// its catalogue condition looks at.
func (s *IntakeScreen) excludedNote(it *casework.Item) string {
	field, _ := it.Excluded(s.C.Values)
	if field == "" {
		return T("intake.item.off")
	}
	if field == casework.FieldPlacement {
		var names []string
		for _, pc := range it.Placements {
			names = append(names, s.cat.Placement(pc).Name)
		}
		return T("intake.item.ineligible", map[string]any{"Placements": strings.Join(names, "、")})
	}
	label := field
	if f := s.cat.Field(field); f != nil {
		label = f.Label
	}
	return T("intake.item.excluded", map[string]any{"Field": label})
}

// dropExcluded unticks and greys out the items that an answer given after
// the placement rules out (医保关系转移接续 once 城乡居民医保 is chosen), and
// frees again those no longer ruled out. It reports whether the items changed.
func (s *IntakeScreen) dropExcluded() bool {
	was := s.building
	s.building = true
	defer func() { s.building = was }()
	changed := false
	var items []string
	for _, it := range s.cat.Items {
		chk := s.Items[it.Code]
		_, ex := it.Excluded(s.C.Values)
		switch {
		case ex && !chk.Disabled():
			chk.SetChecked(false)
			chk.Disable()
			s.ItemNotes[it.Code].SetText(s.excludedNote(&it))
			changed = true
		case !ex && chk.Disabled():
			chk.Enable()
			s.ItemNotes[it.Code].SetText(s.dependsNote(&it))
		}
		if chk.Checked {
			items = append(items, it.Code)
		}
	}
	if changed {
		s.C.SetItems(s.cat, items)
	}
	return changed
}

func (s *IntakeScreen) dependsNote(it *casework.Item) string {
	if len(it.DependsOn) == 0 {
		return ""
	}
	var names []string
	for _, d := range it.DependsOn {
		names = append(names, s.cat.Item(d).Name)
	}
	return T("intake.item.depends", map[string]any{"Items": strings.Join(names, "、")})
}

func (s *IntakeScreen) itemsChanged() {
	if s.building {
		return
	}
	s.ensureDraft()
	var items []string
	for _, it := range s.cat.Items {
		if s.Items[it.Code].Checked {
			items = append(items, it.Code)
		}
	}
	s.C.SetItems(s.cat, items)
	s.rebuild()
	s.persist()
}

// input returns the cached input of field code, making it on first use so
// a rebuild keeps widgets (and the focus) stable.
func (s *IntakeScreen) input(f *casework.Field) *FieldInput {
	if in := s.Inputs[f.Code]; in != nil {
		return in
	}
	code := f.Code
	var in *FieldInput
	in = newFieldInput(s.cat, f, func(v string) {
		if s.building {
			return
		}
		s.ensureDraft()
		s.C.Values[code] = casework.Normalize(f, v)
		if code == casework.FieldEnlistDate || code == casework.FieldDischargeDate {
			s.refreshDerived()
		}
	}, func() {
		if s.building || s.C == nil {
			return
		}
		in.Set(s.C.Values[code]) // the clerk sees the normalised value on leaving the field
		s.checkField(in)
		if s.dropExcluded() {
			s.rebuild()
		}
		s.C.RefreshMaterials(s.cat)
		s.rebuildIfShapeChanged()
		s.persist()
		s.refreshIndex() // what is still missing in each group
	})
	if in.Entry != nil {
		in.Entry.OnSubmitted = func(string) { s.focusAfter(in.Entry) }
	}
	if in.Photo != nil {
		in.Photo.OnTapped = func() {
			chooseFile(s.d.Win, func(r fyne.URIReadCloser) { s.AttachPhoto(code, r) })
		}
	}
	s.Inputs[code] = in
	return in
}

func (s *IntakeScreen) checkField(in *FieldInput) {
	probs := casework.CheckValue(s.cat, in.Field.Code, s.C.Values[in.Field.Code], s.d.Svc.Now())
	if len(probs) == 0 {
		in.ShowProblem("", false)
		return
	}
	in.ShowProblem(ProblemText(s.cat, probs[0]), probs[0].Severity == casework.SeverityWarning)
}

// formShape identifies the form's fields and required flags and the
// checklist; the form is rebuilt only when it changes.
func (s *IntakeScreen) formShape() string {
	var b strings.Builder
	form := casework.BuildForm(s.cat, s.C.Items, s.C.Values)
	for _, ff := range form.Fields() {
		b.WriteString(ff.Field.Code)
		if ff.Required {
			b.WriteByte('*')
		}
		b.WriteByte(',')
	}
	b.WriteByte('|')
	for _, l := range casework.BuildChecklist(s.cat, s.C.Items, s.C.Values).Lines {
		b.WriteString(l.Material.Code)
		b.WriteByte(',')
	}
	return b.String()
}

func (s *IntakeScreen) rebuildIfShapeChanged() {
	if s.formShape() != s.formKey {
		s.rebuild()
	}
}

// rebuild lays out the unified form and the checklist for the chosen items.
func (s *IntakeScreen) rebuild() {
	if s.C == nil {
		return
	}
	s.building = true
	defer func() { s.building = false }()
	s.formKey = s.formShape()
	form := casework.BuildForm(s.cat, s.C.Items, s.C.Values)
	cl := casework.BuildChecklist(s.cat, s.C.Items, s.C.Values)
	s.Saving = widget.NewLabel(T("intake.saving", map[string]any{"Unified": form.Saving.Unified, "Separate": form.Saving.Separate,
		"MUnified": cl.Saving.Unified, "MSeparate": cl.Saving.Separate}))
	s.formBox.Objects = []fyne.CanvasObject{s.Saving}
	s.MatCount.SetText(T("intake.materials.count", map[string]any{"N": len(cl.Lines)}))
	s.order = []fyne.Focusable{s.ID, s.Category, s.Placement}
	s.fieldOf = map[fyne.Focusable]string{s.Category: casework.FieldCategory, s.Placement: casework.FieldPlacement}
	for _, it := range s.cat.Items {
		s.order = append(s.order, s.Items[it.Code])
	}
	s.groups = s.groups[:0]
	for _, g := range form.Groups {
		var rows []fyne.CanvasObject
		group := formGroup{name: g.Name}
		for _, ff := range g.Fields {
			if skipInForm[ff.Field.Code] {
				continue
			}
			in := s.input(ff.Field)
			in.Set(s.C.Values[ff.Field.Code])
			rows = append(rows, in.Row(ff.Required))
			if s.isPrefilled(ff.Field.Code) {
				in.Label.SetText(in.Label.Text + " " + T("intake.prefilled"))
			}
			group.fields = append(group.fields, ff)
			if f := in.Focusable(); f != nil {
				s.order = append(s.order, f)
				s.fieldOf[f] = ff.Field.Code
				if nv, ok := f.(navigable); ok {
					nv.setNav(s.nav)
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		s.groups = append(s.groups, group)
		s.formBox.Add(widget.NewCard("", g.Name, container.NewVBox(rows...)))
	}
	s.cardMaterials()
	s.refreshTargets(cl)
	s.matBox.Objects = nil
	for _, line := range cl.Lines {
		s.matBox.Add(s.materialRow(line))
		s.order = append(s.order, s.matKeys[line.Material.Code])
	}
	s.order = append(s.order, s.Review, s.Accept, s.SaveBtn)
	s.refreshDerived()
	s.refreshIndex()
	s.formBox.Refresh()
	s.matBox.Refresh()
	if s.scroll != nil {
		s.scroll.Content.Refresh() // the body grew: lay it out again
		s.scroll.Refresh()
	}
}

func (s *IntakeScreen) materialRow(line casework.ChecklistLine) fyne.CanvasObject {
	code := line.Material.Code
	ms := s.C.Materials[code]
	var opts []string
	for _, st := range materialChoices {
		opts = append(opts, MaterialStatusName(st))
	}
	rg := s.Materials[code]
	if rg == nil {
		rg = widget.NewRadioGroup(opts, func(label string) {
			if s.building || s.C == nil {
				return
			}
			for _, st := range materialChoices {
				if MaterialStatusName(st) == label {
					s.C.Materials[code].Status = st
				}
			}
			s.collecting(code)
			s.persist()
		})
		rg.Horizontal = true
		s.Materials[code] = rg
	}
	rg.Selected = MaterialStatusName(ms.Status)
	rg.Refresh()
	mk := s.matKeys[code]
	if mk == nil {
		mk = newKeyRadio(rg)
		mk.onSpace = func() { s.collecting(code); s.scanInto(code) }
		mk.setNav(s.nav)
		s.matKeys[code] = mk
	}
	att := s.Attach[code]
	if att == nil {
		att = widget.NewButton("", func() { s.collecting(code); s.attach(code) })
		s.Attach[code] = att
	}
	att.SetText(T("intake.material.attach"))
	if n := len(ms.Attachments); n > 0 {
		att.SetText(T("intake.material.attached", map[string]any{"N": n}))
	}
	var items []string
	for _, it := range line.Items {
		items = append(items, s.cat.Item(it).Name)
	}
	name := widget.NewLabel(line.Material.Name + "(" + T("material.form."+line.Material.Form) + ")")
	name.Wrapping = fyne.TextWrapWord
	used := widget.NewLabel(strings.Join(items, "、"))
	used.Wrapping = fyne.TextWrapWord
	used.Importance = widget.LowImportance
	return widget.NewCard("", "", container.NewVBox(name, used, container.NewHBox(mk, att)))
}

// attach asks for a scan file and stores it content-addressed.
func (s *IntakeScreen) attach(code string) {
	chooseFile(s.d.Win, func(r fyne.URIReadCloser) { s.AttachReader(code, r) })
}

// AttachReader stores a scan of material code; an image is compressed
// first (scan.Compress), anything else (a PDF) is kept as it is.
func (s *IntakeScreen) AttachReader(code string, r io.Reader) {
	b, err := io.ReadAll(r)
	if err != nil {
		s.Problems.SetText(ErrorText(err))
		return
	}
	if c, err := scan.Compress(bytes.NewReader(b), scan.DefaultLimits); err == nil {
		b = c
	}
	s.attachBytes(code, b)
}

// attachBytes stores content b as a scan of material code, as it is.
func (s *IntakeScreen) attachBytes(code string, b []byte) {
	hash, err := s.d.Svc.Store.PutAttachment(s.d.ctx(), bytes.NewReader(b))
	if err != nil {
		s.Problems.SetText(ErrorText(err))
		return
	}
	ms := s.C.Materials[code]
	ms.Attachments = append(ms.Attachments, hash)
	if ms.Status == casework.MaterialRequired {
		ms.Status = casework.MaterialCopy
	}
	s.persist()
	s.rebuild()
}

// AttachPhoto stores a photo for field code; the field's value is its hash.
func (s *IntakeScreen) AttachPhoto(code string, r io.Reader) {
	hash, err := s.d.Svc.Store.PutAttachment(s.d.ctx(), r)
	if err != nil {
		s.Problems.SetText(ErrorText(err))
		return
	}
	s.ensureDraft()
	s.C.Values[code] = hash
	if in := s.Inputs[code]; in != nil {
		in.Set(hash)
	}
	s.persist()
}

// focusAfter moves the keyboard to the next input after obj (Enter), as
// Tab does.
func (s *IntakeScreen) focusAfter(obj fyne.Focusable) { s.nav.next(obj) }

// persist saves the draft.
func (s *IntakeScreen) persist() {
	if s.C == nil || s.C.State != casework.CaseDraft {
		return
	}
	if err := s.d.Svc.Store.SaveCase(s.d.ctx(), s.d.Actor(), s.C); err != nil {
		s.SavedInfo.SetText(ErrorText(err))
		return
	}
	s.SavedInfo.SetText(T("intake.saved", map[string]any{"Time": s.d.Svc.Now().Format("15:04:05")}))
}

// Save saves the draft now (Ctrl+S).
func (s *IntakeScreen) Save() { s.persist() }

// ReviewNow validates the whole case, lists every problem and shows each
// next to its field; it returns the problems.
func (s *IntakeScreen) ReviewNow() {
	s.review()
}

func (s *IntakeScreen) review() []casework.Problem {
	if s.C == nil {
		s.Problems.SetText(T("problem.id_length"))
		s.d.Win.Canvas().Focus(s.ID)
		return nil
	}
	probs := casework.Validate(s.cat, s.C, s.d.Svc.Now())
	for _, in := range s.Inputs {
		in.ShowProblem("", false)
	}
	errs, warns := 0, 0
	var lines []string
	for _, p := range probs {
		if p.Severity == casework.SeverityError {
			errs++
		} else {
			warns++
		}
		text := ProblemText(s.cat, p)
		if in := s.Inputs[p.Field]; in != nil && in.Problem.Text == "" {
			in.ShowProblem(text, p.Severity == casework.SeverityWarning)
		}
		mark := "✗ "
		if p.Severity == casework.SeverityWarning {
			mark = "! "
		}
		subject := ProblemSubject(s.cat, p)
		if subject != "" {
			subject += ":"
		}
		lines = append(lines, mark+subject+text)
	}
	head := T("intake.review.none")
	if len(probs) > 0 {
		head = T("intake.review.count", map[string]any{"Errors": errs, "Warnings": warns})
	}
	if n := len(s.C.MissingMaterials(s.cat)); n > 0 {
		head += "\n" + T("intake.review.missing", map[string]any{"N": n})
	}
	for _, l := range s.duplicateLines() {
		head += "\n! " + l
	}
	s.Problems.SetText(head + "\n" + strings.Join(lines, "\n"))
	s.refreshSide()
	return probs
}

// focusFirstProblem moves the keyboard to the first field with an error
// and scrolls it into view.
func (s *IntakeScreen) focusFirstProblem(probs []casework.Problem) {
	for _, p := range probs {
		if p.Severity != casework.SeverityError {
			continue
		}
		switch p.Field {
		case casework.FieldIDNumber:
			s.focus(s.ID)
			return
		case casework.FieldPlacement, casework.FieldCategory:
			s.focus(s.Placement)
			return
		}
		if in := s.Inputs[p.Field]; in != nil && in.Focusable() != nil {
			s.focus(in.Focusable())
			return
		}
	}
}

// AcceptNow accepts the case when it has no error, else jumps to the first
// problem.
func (s *IntakeScreen) AcceptNow() {
	probs := s.review()
	if s.C == nil || casework.HasErrors(probs) {
		s.focusFirstProblem(probs)
		return
	}
	probs, err := s.d.Svc.Store.AcceptCase(s.d.ctx(), s.d.Actor(), s.cat, s.C)
	if err != nil {
		if casework.HasErrors(probs) {
			s.focusFirstProblem(probs)
			return
		}
		s.Problems.SetText(ErrorText(err))
		return
	}
	s.settleOtherDrafts()
	if s.d.Svc.Accepted != nil {
		s.d.Svc.Accepted(s.d.ctx(), s.C)
	}
	s.showAccepted()
}

// settleOtherDrafts withdraws the other drafts of the accepted case's ID
// number, each with the accepted number as the reason, so no stale draft of
// the same person is left to finish.
func (s *IntakeScreen) settleOtherDrafts() {
	reason := T("intake.draft.superseded", map[string]any{"Number": s.C.Number})
	for _, r := range s.otherDrafts(s.C.Value(casework.FieldIDNumber), s.C.Office) {
		_, err := s.d.Svc.Store.UpdateCase(s.d.ctx(), s.d.Actor(), r.ID, func(c *casework.Case) error {
			if c.State != casework.CaseDraft {
				return nil
			}
			return c.Withdraw(reason, s.d.Svc.Now())
		})
		if err != nil {
			s.Problems.SetText(ErrorText(err))
		}
	}
}

func (s *IntakeScreen) showAccepted() {
	s.stopCardPoll() // the next card is the next intake's
	s.Accept.Disable()
	s.SaveBtn.Disable()
	msg := widget.NewLabelWithStyle(T("intake.accepted", map[string]any{"Number": s.C.Number}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	id := s.C.ID
	open := widget.NewButton(T("intake.open"), func() { s.d.Show(NewCaseScreen(s.d, id)) })
	again := widget.NewButton(T("intake.new"), func() { s.d.Open("nav.intake") })
	msg.Importance = widget.SuccessImportance
	// the result sits above the form, where the clerk is looking, with the
	// documents to print and the way to the next intake
	s.printMsg = widget.NewLabel("")
	s.printMsg.Wrapping = fyne.TextWrapWord
	s.Result.Objects = []fyne.CanvasObject{msg, container.NewHBox(open, again), printButtons(s.d, s.C, s.printMsg), s.printMsg, widget.NewSeparator()}
	s.Result.Refresh()
	for _, w := range []fyne.Disableable{s.Review, s.ID, s.Category, s.Placement, s.ReadCardBtn} {
		w.Disable()
	}
	s.d.Win.Canvas().Focus(open)
}

// PrintDefault prints the receipt of an accepted case (Ctrl+P).
func (s *IntakeScreen) PrintDefault() {
	if s.C != nil && s.C.State != casework.CaseDraft {
		msg := s.printMsg
		if msg == nil {
			msg = s.Problems
		}
		printDoc(s.d, s.C.ID, casework.DocReceipt, msg)
	}
}

// Focus starts at the ID number; on a draft whose ID number is known, at
// the first field Tab stops at after it.
func (s *IntakeScreen) Focus() {
	if s.C != nil && s.C.Value(casework.FieldIDNumber) != "" && s.C.State == casework.CaseDraft {
		s.nav.next(s.ID)
		return
	}
	s.d.Win.Canvas().Focus(s.ID)
}

// Content returns the screen.
func (s *IntakeScreen) Content() fyne.CanvasObject {
	if s.C != nil && len(s.formBox.Objects) == 0 {
		s.rebuild()
	}
	var items []fyne.CanvasObject
	for _, it := range s.cat.Items {
		note := s.ItemNotes[it.Code]
		note.Importance = widget.LowImportance
		note.Truncation = fyne.TextTruncateEllipsis // cut short beside a narrow form, not widening it
		items = append(items, container.NewBorder(nil, nil, s.Items[it.Code], nil, note))
	}
	hint := widget.NewLabel(T("intake.items.hint"))
	hint.Wrapping = fyne.TextWrapWord
	step := func(key string) fyne.CanvasObject {
		return widget.NewLabelWithStyle(T(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	body := container.NewVBox(
		step("intake.step.id"), container.NewBorder(nil, nil, nil, s.ReadCardBtn, s.ID), s.IDInfo, s.CardInfo, s.Duplicate,
		step("intake.step.items"),
		widget.NewForm(widget.NewFormItem(T("intake.category"), s.Category), widget.NewFormItem(T("intake.placement"), s.Placement)),
		hint, container.NewGridWithColumns(2, items...),
		step("intake.step.form"), s.formBox,
		step("intake.step.materials"), s.MatCount, s.scans.box, s.matBox,
		step("intake.step.review"), container.NewHBox(s.Review, s.Accept, s.SaveBtn, s.SavedInfo),
	)
	s.watchScans()
	s.pollCard()
	var view fyne.CanvasObject
	s.scroll, view = wheelScroll(container.NewPadded(body))
	// beside the form: its groups with what is missing in each, and the
	// problems of the last 核对 or 受理, where the clerk sees them wherever
	// the form is scrolled
	s.refreshIndex()
	s.side = container.NewVScroll(container.NewVBox(s.index, widget.NewSeparator(), s.Problems))
	s.side.SetMinSize(fyne.NewSize(200, 0))
	return container.NewBorder(container.NewPadded(s.Result), nil, nil, s.side, view)
}
