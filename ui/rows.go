package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// tapRow is a list entry of one or two lines that opens something when
// clicked. Unlike a Button its text is cut with "…" to the width it gets,
// so a long case line never widens the screen.
type tapRow struct {
	widget.BaseWidget
	Head, Line *widget.Label
	OnTapped   func()
}

func newTapRow(head, line string, fn func()) *tapRow {
	r := &tapRow{Head: widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), Line: widget.NewLabel(line), OnTapped: fn}
	r.Head.Truncation = fyne.TextTruncateEllipsis
	r.Line.Truncation = fyne.TextTruncateEllipsis
	if line == "" {
		r.Line.Hide()
	}
	r.ExtendBaseWidget(r)
	return r
}

// Tapped opens the row.
func (r *tapRow) Tapped(*fyne.PointEvent) {
	if r.OnTapped != nil {
		r.OnTapped()
	}
}

// Cursor shows the row can be clicked.
func (r *tapRow) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (r *tapRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewVBox(r.Head, r.Line))
}

// tapCard is a dashboard card that opens the list its figure counts.
type tapCard struct {
	widget.Card
	OnTapped func()
}

func newTapCard(title, subtitle string, content fyne.CanvasObject, fn func()) *tapCard {
	c := &tapCard{OnTapped: fn}
	c.Title, c.Subtitle, c.Content = title, subtitle, content
	c.ExtendBaseWidget(c)
	return c
}

// Tapped opens the card's list.
func (c *tapCard) Tapped(*fyne.PointEvent) {
	if c.OnTapped != nil {
		c.OnTapped()
	}
}

// Cursor shows the card can be clicked.
func (c *tapCard) Cursor() desktop.Cursor { return desktop.PointerCursor }
