package ui

import (
	"strings"
	"testing"
)

func TestMetChildValidatesNamesDateAndPostcode(t *testing.T) {
	h := newHarness(t, readyFake())
	s := h.app.home.caseload
	h.tap(s.met)
	d := s.metDlg
	if d.role.Text != "School nurse" {
		t.Errorf("role %q", d.role.Text)
	}
	fill := func(given, family, dob, postcode string) {
		d.given.SetText(given)
		d.family.SetText(family)
		d.dob.SetText(dob)
		d.postcode.SetText(postcode)
	}
	cases := []struct {
		name                         string
		given, family, dob, postcode string
		want                         string
	}{
		{"no given name", "", "Fixture", "2015-03-14", "LS1 4AP", "The given name must contain letters."},
		{"family name of digits", "Jamie", "1234", "2015-03-14", "LS1 4AP", "The family name must contain letters."},
		{"not a date", "Jamie", "Fixture", "31/02/2015", "LS1 4AP", "The date of birth must be a real date, such as 14/03/2015 or 14 Mar 2015."},
		{"date in the future", "Jamie", "Fixture", "2030-01-01", "LS1 4AP", "Date of birth cannot be in the future."},
		{"an adult", "Jamie", "Fixture", "1990-01-01", "LS1 4AP", "aged 25 or over"},
		{"no postcode", "Jamie", "Fixture", "2015-03-14", "", "Enter the postcode"},
		{"not a postcode", "Jamie", "Fixture", "2015-03-14", "LS1", "“LS1” is not a UK postcode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fill(c.given, c.family, c.dob, c.postcode)
			h.tap(d.form.confirm)
			if !strings.Contains(d.form.msg.Text, c.want) {
				t.Errorf("message %q, want %q", d.form.msg.Text, c.want)
			}
			if h.fake.called("MetChild") || !d.form.open {
				t.Fatal("recorded despite a bad form")
			}
		})
	}
	fill("Jamie", "Fixture", "14 Mar 2015", "ls14ap") // a date as people type it
	d.gender.SetSelected("Male")
	d.postcode.TypedKey(&fyneKeyReturn)
	h.settle()
	if !h.fake.called("MetChild Jamie Fixture 2015-03-14 LS1 4AP male School nurse") {
		t.Fatalf("calls %v", h.fake.calls)
	}
	if d.form.open {
		t.Error("the dialog stayed open")
	}
}
