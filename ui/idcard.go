package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/idreader"
	"vetdesk/store"
)

// The ID card reader's settings (设置 › 身份证阅读器). Which library is loaded
// into the desk is the admin's to say (store.AdminSetting); the port is
// anyone's.
const (
	SettingCardSDK      = store.SettingCardSDK
	SettingCardLibrary  = store.SettingCardLibrary
	SettingCardPhotoLib = store.SettingCardPhotoLib
	SettingCardPort     = "idcard.port"
	// SettingCardAuto "1" reads a card as soon as it is placed on the
	// reader while an intake is open (the reader is polled).
	SettingCardAuto = "idcard.auto"
)

// cardPollEvery is how often an open intake asks the reader for a card.
const cardPollEvery = time.Second

// Materials and fields a card reading fills.
const (
	materialIDCard   = "id_card"
	materialPhoto    = "photo"
	fieldEthnicity   = "ethnicity"
	fieldAddress     = "home_address"
	fieldPhoto       = "photo"
	fieldHoldsIDCard = "holds_id_card"
)

// cardConfig reads the reader's settings.
func cardConfig(ctx context.Context, st *store.DB) (idreader.Config, error) {
	get := func(k string) string { v, _ := st.Setting(ctx, k); return strings.TrimSpace(v) }
	port, err := idreader.ParsePort(get(SettingCardPort))
	if err != nil {
		return idreader.Config{}, err
	}
	return idreader.Config{SDK: get(SettingCardSDK), Library: get(SettingCardLibrary), PhotoLibrary: get(SettingCardPhotoLib), Port: port}, nil
}

// cardError words a failed reading for the clerk.
func cardError(err error) string {
	switch {
	case errors.Is(err, idreader.ErrNotConfigured):
		return T("idcard.err.unset")
	case errors.Is(err, idreader.ErrLibrary):
		return T("idcard.err.library")
	case errors.Is(err, idreader.ErrNoReader):
		return T("idcard.err.reader")
	case errors.Is(err, idreader.ErrNoCard):
		return T("idcard.err.nocard")
	case errors.Is(err, idreader.ErrRead):
		return T("idcard.err.read")
	}
	return ErrorText(err)
}

// ReadCard reads the 居民身份证 on the reader into the intake (Ctrl+R). The
// reading runs off the UI goroutine when the desk is Async.
func (s *IntakeScreen) ReadCard() {
	if s.C != nil && s.C.State != casework.CaseDraft || s.ReadCardBtn.Disabled() {
		return
	}
	if s.cardPoll != nil { // the reader is held by the poll: read there, now
		select {
		case s.cardPoll.now <- struct{}{}:
		default:
		}
		return
	}
	cfg, err := cardConfig(s.d.ctx(), s.d.Svc.Store)
	if err != nil {
		s.showCardProblem(T("idcard.err.port"))
		return
	}
	s.showCardProblem(T("idcard.reading"))
	s.CardInfo.Importance = widget.MediumImportance
	s.CardInfo.Refresh()
	read := func() (idreader.Card, error) { return idreader.Read(s.d.ctx(), cfg) }
	if !s.d.Async {
		s.applyCard(read())
		return
	}
	s.ReadCardBtn.Disable() // one reading at a time
	go func() {
		c, err := read()
		fyne.Do(func() {
			s.ReadCardBtn.Enable()
			s.applyCard(c, err)
		})
	}()
}

func (s *IntakeScreen) showCardProblem(msg string) {
	s.CardInfo.Show()
	s.CardInfo.SetText(msg)
	s.CardInfo.Importance = widget.DangerImportance
	s.CardInfo.Refresh()
}

// applyCard puts a reading into the intake: the ID number as if typed
// (drafts of it are offered first), then the card's other fields.
func (s *IntakeScreen) applyCard(c idreader.Card, err error) {
	if s.C != nil && s.C.State != casework.CaseDraft {
		return // accepted meanwhile
	}
	if err != nil {
		s.showCardProblem(cardError(err))
		return
	}
	id := casework.NormalizeIDNumber(c.IDNumber)
	if s.C != nil {
		if have := s.C.Value(casework.FieldIDNumber); have != "" && have != id {
			s.showCardProblem(T("idcard.err.other"))
			return
		}
	}
	info, perr := casework.ParseIDNumber(id, s.cat.Areas, s.d.Svc.Now())
	if perr != nil {
		s.ID.SetText(id)
		s.showCardProblem(T("idcard.err.id") + T("problem."+perr.(*casework.IDError).Reason))
		return
	}
	s.ID.SetText(id)
	fill := func() {
		if s.C == nil || s.C.Value(casework.FieldIDNumber) != id {
			s.startWithID(id, info)
		}
		s.fillCard(c)
	}
	if s.C == nil {
		if drafts := s.otherDrafts(id, s.office()); len(drafts) > 0 {
			s.offerDrafts(drafts, fill)
			return
		}
	}
	fill()
}

// fillCard records the card's fields in the draft: name, sex, ethnicity,
// birth date and address (the address only when none was typed: 家庭住址 may
// differ from the card's), the card as seen (its 签发机关 and 有效期限 in the
// ID card material's note), and its photo as 照片.
func (s *IntakeScreen) fillCard(c idreader.Card) {
	v := s.C.Values
	set := func(code, val string) {
		if val != "" {
			v[code] = s.cat.NormalizeValue(code, val) // as if typed
		}
	}
	set(casework.FieldName, c.Name)
	set(casework.FieldSex, c.Sex)
	set(fieldEthnicity, c.Ethnicity)
	set(casework.FieldBirthDate, c.Birth)
	if v[fieldAddress] == "" {
		set(fieldAddress, c.Address)
	}
	v[fieldHoldsIDCard] = "是"
	s.prefill(casework.FieldName, casework.FieldSex, fieldEthnicity, casework.FieldBirthDate, fieldAddress, fieldHoldsIDCard, fieldPhoto)
	msg := T("idcard.read", map[string]any{"Name": c.Name, "Authority": c.Authority, "Validity": c.Validity()})
	if c.Photo != nil {
		hash, err := s.d.Svc.Store.PutAttachment(s.d.ctx(), bytes.NewReader(c.Photo))
		if err != nil {
			msg += "\n" + ErrorText(err)
		} else {
			v[fieldPhoto] = hash
		}
	} else {
		msg += "\n" + T("idcard.nophoto")
	}
	s.card = &c
	s.cardMats = map[string]bool{}
	s.C.RefreshMaterials(s.cat)
	s.building = true
	for code, in := range s.Inputs {
		in.Set(v[code])
	}
	s.building = false
	s.rebuild() // records the card on its materials (cardMaterials)
	s.persist()
	s.CardInfo.Show()
	s.CardInfo.SetText(msg)
	s.CardInfo.Importance = widget.SuccessImportance
	s.CardInfo.Refresh()
}

// cardMaterials records the card read on the materials of the checklist,
// each once (the items may be chosen after the reading): the ID card as
// seen in the original, with its 签发机关 and 有效期限 in the note, and the
// card's photo with 照片 (whose status stays: the printed photos are still
// to be brought).
func (s *IntakeScreen) cardMaterials() {
	if s.card == nil || s.C == nil {
		return
	}
	if ms := s.C.Materials[materialIDCard]; ms != nil && !s.cardMats[materialIDCard] {
		s.cardMats[materialIDCard] = true
		if ms.Status == casework.MaterialRequired {
			ms.Status = casework.MaterialOriginal
		}
		ms.Note = T("idcard.note", map[string]any{"Authority": s.card.Authority, "Validity": s.card.Validity()})
	}
	hash := s.C.Values[fieldPhoto]
	if ms := s.C.Materials[materialPhoto]; ms != nil && hash != "" && !s.cardMats[materialPhoto] {
		s.cardMats[materialPhoto] = true
		if !containsString(ms.Attachments, hash) {
			ms.Attachments = append(ms.Attachments, hash)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cardPoll reads a card placed on the reader while the intake is open.
type cardPoll struct {
	stop context.CancelFunc
	now  chan struct{} // Ctrl+R: read now, even the card read last
	// onRead, when set, runs after a card the poll read was applied (tests).
	onRead func()
}

// pollCard starts reading cards as they are placed on the reader when 设置
// asks for it; Leave stops it.
func (s *IntakeScreen) pollCard() {
	if s.cardPoll != nil || (s.C != nil && s.C.State != casework.CaseDraft) {
		return
	}
	ctx := s.d.ctx()
	if v, _ := s.d.Svc.Store.Setting(ctx, SettingCardAuto); v != "1" {
		return
	}
	cfg, err := cardConfig(ctx, s.d.Svc.Store)
	if err != nil || cfg.SDK == "" || cfg.Library == "" {
		return
	}
	pctx, cancel := context.WithCancel(context.Background())
	p := &cardPoll{stop: cancel, now: make(chan struct{}, 1), onRead: s.onCardPolled}
	s.cardPoll = p
	go p.run(pctx, cfg, s)
}

func (p *cardPoll) run(ctx context.Context, cfg idreader.Config, s *IntakeScreen) {
	r, err := idreader.Open(cfg)
	if err != nil {
		fyne.Do(func() { s.showCardProblem(cardError(err)) })
		return
	}
	defer r.Close()
	t := time.NewTicker(cardPollEvery)
	defer t.Stop()
	last, shown := "", ""
	for {
		manual := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.now:
			manual = true
		}
		c, err := r.Read(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && (manual || !errors.Is(err, idreader.ErrNoCard) && cardError(err) != shown):
			// a reader unplugged is said once; no card only when asked
			msg := cardError(err)
			shown = msg
			fyne.Do(func() { s.showCardProblem(msg) })
		case errors.Is(err, idreader.ErrNoCard):
			last = "" // taken off: the same card placed again is read again
		case err == nil && (c.IDNumber != last || manual):
			last, shown = c.IDNumber, ""
			fyne.Do(func() {
				s.applyCard(c, nil)
				if p.onRead != nil {
					p.onRead()
				}
			})
		}
	}
}

// cardSettings are 设置's rows for the ID card reader.
type cardSettings struct {
	SDK      *widget.Select
	Library  *shortcutEntry
	PhotoLib *shortcutEntry
	Port     *shortcutEntry
	Auto     *widget.Check // read a card as soon as it is placed
	sdks     []string      // SDK codes by option, "" first (none)
}

func newCardSettings(get func(string) string, admin bool) *cardSettings {
	c := &cardSettings{Library: newEntry(), PhotoLib: newEntry(), Port: newEntry(), sdks: append([]string{""}, idreader.SDKs...)}
	var labels []string
	for _, sdk := range c.sdks {
		labels = append(labels, cardSDKName(sdk))
	}
	c.SDK = widget.NewSelect(labels, nil)
	cur := get(SettingCardSDK)
	for i, sdk := range c.sdks {
		if sdk == cur {
			c.SDK.Selected = labels[i]
		}
	}
	if c.SDK.Selected == "" {
		c.SDK.Selected = labels[0]
	}
	c.Library.SetText(get(SettingCardLibrary))
	c.Library.SetPlaceHolder(T("idcard.library.hint"))
	c.PhotoLib.SetText(get(SettingCardPhotoLib))
	c.PhotoLib.SetPlaceHolder(T("idcard.photolib.hint"))
	c.Port.SetText(get(SettingCardPort))
	c.Port.SetPlaceHolder(T("idcard.port.hint"))
	c.Auto = widget.NewCheck(T("idcard.auto"), nil)
	c.Auto.Checked = get(SettingCardAuto) == "1"
	if !admin {
		c.SDK.Disable()
		c.Library.Disable()
		c.PhotoLib.Disable()
	}
	return c
}

func cardSDKName(sdk string) string {
	if sdk == "" {
		return T("idcard.sdk.none")
	}
	return T("idcard.sdk." + sdk)
}

// values adds the reader's settings to v.
func (c *cardSettings) values(v map[string]string) {
	sdk := ""
	if i := c.SDK.SelectedIndex(); i >= 0 {
		sdk = c.sdks[i]
	}
	v[SettingCardSDK] = sdk
	v[SettingCardLibrary] = strings.TrimSpace(c.Library.Text)
	v[SettingCardPhotoLib] = strings.TrimSpace(c.PhotoLib.Text)
	v[SettingCardPort] = strings.TrimSpace(c.Port.Text)
	v[SettingCardAuto] = ""
	if c.Auto.Checked {
		v[SettingCardAuto] = "1"
	}
}

// check reports whether the port is one the readers use.
func (c *cardSettings) check() bool {
	_, err := idreader.ParsePort(c.Port.Text)
	return err == nil
}

func (c *cardSettings) formItems() []*widget.FormItem {
	port := widget.NewFormItem(T("idcard.port"), c.Port)
	port.HintText = T("idcard.port.help")
	return []*widget.FormItem{
		widget.NewFormItem(T("idcard.sdk"), c.SDK),
		widget.NewFormItem(T("idcard.library"), c.Library),
		widget.NewFormItem(T("idcard.photolib"), c.PhotoLib),
		port,
		widget.NewFormItem("", c.Auto),
	}
}
