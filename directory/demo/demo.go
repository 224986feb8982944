// Package demo seeds a directory for the demo and for tests: the fixture
// accounts, named children and a generated population. The production
// server does not import it (nor the population generator it uses).
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/population"
)

// The demo contract: other issues, the app's demo mode and outside checks rely
// on these names, dates and secrets byte for byte. Password and TOTPSecret
// sign in every fixture account; PopulationSeed seeds the generated children.
const (
	Password       = "demo-password-1"
	TOTPSecret     = "JBSWY3DPEHPK3PXP"
	PopulationSeed = 20091
)

// Demo organisations.
const (
	orgLeedsHealth   = "Leeds Community Healthcare NHS Trust"
	orgManchesterCSC = "Manchester City Council Children's Services"
	orgLeedsCSC      = "Leeds City Council Children's Services"
	orgIT            = "Signpost IT Service"
)

// Accounts are the fixture users: username, display name, role, job title,
// organisation, phone, email, child-protection role.
var Accounts = []directory.Account{
	{User: signpost.User{Username: "nurse", DisplayName: "Nadia Shah", Role: signpost.RolePractitioner, JobTitle: "School nurse", Organisation: orgLeedsHealth, Phone: "0113 496 0101", Email: "nadia.shah@example.nhs.uk"}},
	{User: signpost.User{Username: "social", DisplayName: "Sean O'Connell", Role: signpost.RolePractitioner, JobTitle: "Social worker", Organisation: orgManchesterCSC, Phone: "0161 496 0202", Email: "sean.oconnell@example.gov.uk", ChildProtection: true}},
	{User: signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, JobTitle: "Signpost management team", Organisation: orgLeedsCSC, Phone: "0113 496 0303", Email: "signpost.team@example.gov.uk"}},
	{User: signpost.User{Username: "itadmin", DisplayName: "Ian Taylor", Role: signpost.RoleITAdmin, JobTitle: "IT service desk", Organisation: orgIT, Phone: "0300 555 0404", Email: "it.desk@example.org"}},
}

// Jamie and Riley are the named fixture children (Riley is shielded).
var (
	Jamie = signpost.Child{GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male", Postcode: "LS1 4AP",
		Address: "22 Park Row, Leeds", Authority: "Leeds", NHSNumber: "9434765919", UPN: "P207000016049",
		Carers: []signpost.Carer{{Name: "Alex Fixture", Relationship: "mother", ParentalResponsibility: true, Phone: "07700 900101", Email: "alex.fixture@example.com"}},
		School: &signpost.Setting{Code: "107950", Name: "Park Row Primary School", Phone: "0113 496 0500", StartedOn: "2019-09-04"},
		GP:     &signpost.Setting{Code: "B86001", Name: "Leeds City Medical Practice", Phone: "0113 496 0600", StartedOn: "2015-04-01"}}
	Riley = signpost.Child{GivenName: "Riley", FamilyName: "Shielded", DateOfBirth: "2012-07-01", Gender: "female", Postcode: "LS2 9JT",
		Address: "1 Hidden Lane", Authority: "Leeds", Shielded: true,
		Carers: []signpost.Carer{{Name: "Robin Shielded", Relationship: "mother", ParentalResponsibility: true, Phone: "07700 900102"}},
		School: &signpost.Setting{Code: "107951", Name: "Woodhouse Secondary School", Phone: "0113 496 0501", StartedOn: "2023-09-05"},
		GP:     &signpost.Setting{Code: "B86002", Name: "Woodhouse Medical Centre", Phone: "0113 496 0601", StartedOn: "2012-08-01"}}
)

// RileyShieldReason is why the demo's Riley was shielded.
const RileyShieldReason = "Family fleeing domestic abuse (demo)"

// TeamContact is the demo's phone and email for the management team of
// the i'th authority, named name: numbers from Ofcom's drama ranges and
// addresses at example.org, so that none reaches anyone. Leeds is 0113 496
// 0000, leeds-signpost@example.org.
func TeamContact(i int, name string) (phone, email string) {
	slug := strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, name), "-")
	if name == "Leeds" {
		return "0113 496 0000", "leeds-signpost@example.org"
	}
	return fmt.Sprintf("01632 960%03d", i%1000), slug + "-signpost@example.org"
}

// samSmithPlaces are where the twelve Sam Smiths born 2016-01-01 live.
var samSmithPlaces = []struct{ authority, postcode string }{
	{"Leeds", "LS6 1AA"}, {"Manchester", "M14 5AB"}, {"Bradford", "BD7 1DP"}, {"Sheffield", "S10 2TN"},
	{"Birmingham", "B15 2TT"}, {"Bristol", "BS8 1TH"}, {"Newcastle upon Tyne", "NE1 7RU"}, {"Liverpool", "L7 8XP"},
	{"Leeds", "LS11 5DR"}, {"Manchester", "M20 2RN"}, {"Sheffield", "S7 1FL"}, {"Birmingham", "B29 6BD"},
}

// rehome moves a generated child to the named authority: the town of the
// address, the school and the GP follow, so that town and postcode agree (a
// generated Sam Smith drawn in Newcastle but given a Leeds postcode read
// "…, Newcastle upon Tyne, LS6 1AA").
func rehome(c *signpost.Child, authority string, pick int) {
	if c.Authority == authority {
		return
	}
	var to *population.Authority
	for _, a := range population.Authorities() {
		if a.Name == authority {
			to = &a
			break
		}
	}
	if to == nil {
		return
	}
	if i := strings.LastIndex(c.Address, ", "); i >= 0 && strings.TrimPrefix(c.Address[i:], ", ") == c.Authority {
		c.Address = c.Address[:i] + ", " + authority
	}
	c.Authority = authority
	if c.School != nil {
		// A school of the same phase: a primary pupil stays at a primary.
		primary := strings.Contains(c.School.Name, " Primary ")
		var same []signpost.Setting
		for _, s := range to.Schools {
			if strings.Contains(s.Name, " Primary ") == primary {
				same = append(same, s)
			}
		}
		if len(same) > 0 {
			s := same[pick%len(same)]
			s.StartedOn = c.School.StartedOn
			c.School = &s
		}
	}
	if c.GP != nil && len(to.GPs) > 0 {
		g := to.GPs[pick%len(to.GPs)]
		g.StartedOn = c.GP.StartedOn
		c.GP = &g
	}
}

const (
	demoSeededKey   = "demo_seeded"
	demoFixturesKey = "demo_fixtures"
)

// FixtureIDs are the Signpost IDs the demo's named children were given.
type FixtureIDs struct {
	Jamie     string   `json:"jamie"`
	Riley     string   `json:"riley"`
	SamSmiths []string `json:"sam_smiths"`
}

// Fixtures returns the Signpost IDs of the demo's named children in a
// seeded store (they are issued like every other ID, so they differ from
// store to store).
func Fixtures(ctx context.Context, st directory.Store) (FixtureIDs, error) {
	var fx FixtureIDs
	v, err := st.Setting(ctx, demoFixturesKey)
	if err != nil {
		return fx, err
	}
	if v == "" {
		return fx, &signpost.Error{Kind: signpost.KindNotFound, Message: "this directory was not seeded with the demo"}
	}
	if err := json.Unmarshal([]byte(v), &fx); err != nil {
		return fx, signpost.Internal("reading the demo fixtures", err)
	}
	return fx, nil
}

// Seed seeds the demo directory: authorities, organisations, the fixture
// accounts and children, and n generated children. It is idempotent: on a
// store already seeded it adds nothing and changes nothing.
func Seed(ctx context.Context, st directory.Store, n int, today time.Time, cost directory.PasswordParams) error {
	if v, err := st.Setting(ctx, demoSeededKey); err != nil {
		return err
	} else if v != "" {
		return nil
	}
	auths := population.Authorities()
	for i, a := range auths {
		if err := st.CreateAuthority(ctx, a.Code, a.Name); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			return fmt.Errorf("seeding authority %s: %w", a.Name, err)
		}
		phone, email := TeamContact(i, a.Name)
		if err := st.SetAuthorityContact(ctx, a.Code, phone, email); err != nil {
			return fmt.Errorf("seeding the contact of authority %s: %w", a.Name, err)
		}
	}
	for _, o := range []struct{ name, auth string }{{orgLeedsHealth, "Leeds"}, {orgManchesterCSC, "Manchester"}, {orgLeedsCSC, "Leeds"}, {orgIT, ""}} {
		if err := st.CreateOrganisation(ctx, o.name, o.auth, true); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			return fmt.Errorf("seeding organisation %s: %w", o.name, err)
		}
	}
	hash := directory.HashPassword(Password, cost)
	for _, a := range Accounts {
		a.PasswordHash, a.TOTPSecret, a.Accredited = hash, TOTPSecret, true
		if err := st.CreateAccount(ctx, &a); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			return fmt.Errorf("seeding user %s: %w", a.Username, err)
		}
	}

	// Serials come from the store, which gives them IDs in an order that
	// cannot be guessed; the generated population depends on the serial
	// only, so it is the same whatever the IDs.
	ids := st.IDCodec()
	var serial, end int
	var allocErr error
	next := func() string {
		if serial >= end && allocErr == nil {
			first, err := st.AllocateSerials(ctx, 1000)
			serial, end, allocErr = first, first+1000, err
		}
		if allocErr != nil {
			return ""
		}
		serial++
		return ids.ID(serial - 1)
	}
	jamie, riley := Jamie, Riley
	jamie.SignpostID, riley.SignpostID = next(), next()
	fixtures := []signpost.Child{jamie, riley}
	gen := population.New(PopulationSeed, today)
	var sams []string
	for _, p := range samSmithPlaces {
		sam := gen.Next(serial)
		sam.SignpostID = next()
		sams = append(sams, sam.SignpostID)
		sam.GivenName, sam.FamilyName, sam.DateOfBirth, sam.Postcode = "Sam", "Smith", "2016-01-01", p.postcode
		rehome(&sam, p.authority, len(sams))
		sam.NHSNumber, sam.UPN = "", ""
		fixtures = append(fixtures, sam)
	}
	if allocErr != nil {
		return fmt.Errorf("seeding fixture children: %w", allocErr)
	}
	if err := st.CreateChildren(ctx, fixtures); err != nil {
		return fmt.Errorf("seeding fixture children: %w", err)
	}
	// Riley's shielding has a history, as one made in the app would.
	if err := st.SetShield(ctx, riley.SignpostID, &directory.Shield{Reason: RileyShieldReason, By: "manager", At: today,
		ReviewDate: today.AddDate(0, 3, 0).Format(signpost.DateLayout)}); err != nil {
		return fmt.Errorf("seeding Riley's shielding: %w", err)
	}
	fx, _ := json.Marshal(FixtureIDs{Jamie: jamie.SignpostID, Riley: riley.SignpostID, SamSmiths: sams})
	if err := st.SetSetting(ctx, demoFixturesKey, string(fx)); err != nil {
		return err
	}

	var leeds []string
	batch := make([]signpost.Child, 0, 5000)
	// n generated children, and then (for a small n) as many more Leeds
	// children as the nurse's caseload of 25 still needs.
	for i := 0; i < n || len(leeds) < 23; i++ {
		c := gen.Next(serial)
		c.SignpostID = next()
		if c.FamilyName == "Fixture" || c.FamilyName == "Shielded" || c.NHSNumber == jamie.NHSNumber || c.UPN == jamie.UPN {
			continue
		}
		if i >= n && c.Authority != "Leeds" {
			continue
		}
		if c.Authority == "Leeds" && len(leeds) < 23 {
			leeds = append(leeds, c.SignpostID)
		}
		batch = append(batch, c)
		if len(batch) == cap(batch) {
			if err := st.CreateChildren(ctx, batch); err != nil {
				return fmt.Errorf("seeding children: %w", err)
			}
			batch = batch[:0]
		}
	}
	if err := st.CreateChildren(ctx, batch); err != nil {
		return fmt.Errorf("seeding children: %w", err)
	}
	if allocErr != nil {
		return fmt.Errorf("seeding children: %w", allocErr)
	}
	if err := st.ReleaseSerials(ctx, serial, end); err != nil {
		return err
	}

	invs := []struct {
		child, user string
		inv         signpost.Involvement
	}{
		{jamie.SignpostID, "nurse", signpost.Involvement{Role: "School nurse", StartedOn: "2024-09-10", CAF: true}},
		{jamie.SignpostID, "social", signpost.Involvement{Role: "Social worker", StartedOn: "2021-02-01", EndedOn: "2022-06-30"}},
		{riley.SignpostID, "nurse", signpost.Involvement{Role: "School nurse", StartedOn: "2025-01-15"}},
	}
	for i, id := range leeds {
		invs = append(invs, struct {
			child, user string
			inv         signpost.Involvement
		}{id, "nurse", signpost.Involvement{Role: "School nurse", StartedOn: today.AddDate(0, -1-i, 0).Format(signpost.DateLayout), LeadProfessional: i%7 == 0, CAF: i%5 == 0}})
	}
	for _, x := range invs {
		if _, err := st.AddInvolvement(ctx, x.child, x.user, x.inv); err != nil {
			return fmt.Errorf("seeding involvements: %w", err)
		}
	}
	return st.SetSetting(ctx, demoSeededKey, today.UTC().Format(time.RFC3339))
}

// SeedManagementWork gives Leeds' management team something to do in a
// demo, after Seed: three feed rows held for review (two Sam Smiths alike,
// shielded Riley, a Jamie whose name differs) and a break-glass on Riley by
// the Manchester social worker 30 hours ago (past the default escalation
// time), with its audit event. It does nothing a second time. Tests seed
// with Seed alone, so that their counts of alerts and reviews are their own.
func SeedManagementWork(ctx context.Context, st directory.Store, today time.Time) error {
	if v, err := st.Setting(ctx, demoManagementKey); err != nil || v != "" {
		return err
	}
	fx, err := Fixtures(ctx, st)
	if err != nil {
		return err
	}
	jamie, err := st.Child(ctx, fx.Jamie)
	if err != nil {
		return fmt.Errorf("seeding the demo's review items: %w", err)
	}
	riley, err := st.Child(ctx, fx.Riley)
	if err != nil {
		return fmt.Errorf("seeding the demo's review items: %w", err)
	}
	sams := fx.SamSmiths
	const leeds = "E08000035"
	row := func(feed string, line int, rec map[string]string, reason string, cands ...directory.ReviewCandidate) directory.ReviewItem {
		body, _ := json.Marshal(rec)
		h := sha256.Sum256(append([]byte(feed+"\x00demo\x00"), body...))
		return directory.ReviewItem{Feed: feed, Source: "demo-" + feed + ".csv", Line: line, RowHash: h[:], Record: body,
			Reason: reason, Authority: leeds, Candidates: cands}
	}
	items := []directory.ReviewItem{
		row("school", 12, map[string]string{"given_name": "Sam", "family_name": "Smith", "sex": "male", "date_of_birth": "2016-01-01",
			"postcode": "LS6 1AB", "la_code": leeds, "setting_code": "107951", "setting_name": "Headingley Primary School", "start_date": "2020-09-03"},
			"more than one child matches", directory.ReviewCandidate{SignpostID: sams[0], Score: 0.82}, directory.ReviewCandidate{SignpostID: sams[8], Score: 0.8}),
		row("gp", 40, map[string]string{"given_name": "Riley", "family_name": "Shielded", "sex": "female", "date_of_birth": riley.DateOfBirth,
			"postcode": "LS7 3QB", "la_code": leeds, "setting_code": "B86002", "setting_name": "Chapeltown Health Centre", "start_date": "2025-02-01"},
			"the matching child is shielded: shielded children are never matched without a person deciding", directory.ReviewCandidate{SignpostID: riley.SignpostID, Score: 0.93}),
		row("school", 57, map[string]string{"upn": jamie.UPN, "given_name": "Jamey", "family_name": "Fixture", "sex": "male", "date_of_birth": jamie.DateOfBirth,
			"postcode": jamie.Postcode, "la_code": leeds, "setting_code": "107950", "setting_name": "Park Row Primary School", "start_date": "2019-09-04"},
			"a possible match: some details differ", directory.ReviewCandidate{SignpostID: jamie.SignpostID, Score: 0.78}),
	}
	if _, err := st.ApplyFeed(ctx, &directory.FeedBatch{Reviews: items, At: today.Add(-72 * time.Hour)}); err != nil {
		return fmt.Errorf("seeding review items: %w", err)
	}
	social, err := st.Account(ctx, "social")
	if err != nil {
		return fmt.Errorf("seeding the demo alert: %w", err)
	}
	at := today.Add(-30 * time.Hour)
	const why = "Section 47 enquiry: police report of a child at risk at this address (demo)"
	if err := st.Audit(ctx, []directory.AuditEvent{{At: at, UserID: social.ID, Username: social.Username, DeviceID: "demo-laptop",
		Action: "break_glass", ChildID: riley.SignpostID, Reason: why, Flags: "break_glass"}}); err != nil {
		return fmt.Errorf("seeding the demo alert's audit: %w", err)
	}
	if err := st.Alert(ctx, directory.Alert{At: at, Authority: riley.Authority, ChildID: riley.SignpostID, Username: social.Username,
		Kind: signpost.AlertBreakGlass, Reason: why, Dedupe: "demo-break-glass"}); err != nil {
		return fmt.Errorf("seeding the demo alert: %w", err)
	}
	return st.SetSetting(ctx, demoManagementKey, today.UTC().Format(time.RFC3339))
}

// demoManagementKey is the setting SeedManagementWork leaves.
const demoManagementKey = "demo_management_seeded"
