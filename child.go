// Package signpost holds the nouns that the directory, the sync client, the
// device cache and the app share: children, involvements, mutations, the v1 wire
// messages, the domain error, identifier validation and name matching. It
// imports only the standard library.
package signpost

import "time"

// Roles of a user.
const (
	RolePractitioner = "practitioner"
	RoleManagement   = "management"
	RoleITAdmin      = "itadmin"
)

// ValidRole reports whether r is one of the three roles.
func ValidRole(r string) bool {
	return r == RolePractitioner || r == RoleManagement || r == RoleITAdmin
}

// Child statuses.
const (
	StatusActive   = "active"
	StatusDeceased = "deceased"
	StatusArchived = "archived"
)

// Child is one child's record as it travels on the wire and sits in a cache.
// For a shielded child, everything but identity is withheld from everyone except
// the management team of the child's authority: Address, Postcode, Carers,
// School, GP, NHSNumber, UPN and other practitioners' involvements are empty,
// and ContactVia says whom to contact instead.
type Child struct {
	SignpostID   string        `json:"signpost_id"`
	GivenName    string        `json:"given_name"`
	FamilyName   string        `json:"family_name"`
	DateOfBirth  string        `json:"date_of_birth"`
	Gender       string        `json:"gender"`
	Shielded     bool          `json:"shielded"`
	Status       string        `json:"status,omitempty"`
	Authority    string        `json:"authority,omitempty"`
	Address      string        `json:"address,omitempty"`
	Postcode     string        `json:"postcode,omitempty"`
	NHSNumber    string        `json:"nhs_number,omitempty"`
	UPN          string        `json:"upn,omitempty"`
	Carers       []Carer       `json:"carers,omitempty"`
	School       *Setting      `json:"school,omitempty"`
	GP           *Setting      `json:"gp,omitempty"`
	Involvements []Involvement `json:"involvements"`
	ContactVia   string        `json:"contact_via,omitempty"`
	MergedInto   string        `json:"merged_into,omitempty"`
	// Redacted is true when fields were withheld from this copy.
	Redacted bool `json:"redacted,omitempty"`
	// WithheldContact, on a copy with fields withheld, is how to reach the
	// management team who may tell more (ContactVia's team, with its phone
	// and email when the directory holds them).
	WithheldContact *AuthorityContact `json:"withheld_contact,omitempty"`
	// Shielding, on a shielded record as its authority's management team
	// sees it, is who shielded the child, when, why and the review date;
	// everyone else's copy leaves it out.
	Shielding *Shielding `json:"shielding,omitempty"`
	// TeamContact is the directory's own: the phone and email of the
	// management team of the child's authority, which Redact puts on the
	// wire as WithheldContact.
	TeamContact AuthorityContact `json:"-"`
	// Seq is the directory's change number when this copy was read: of two
	// copies of a child, the one with the higher Seq is the newer, and a
	// cache never replaces a newer copy with an older one (a record fetched
	// just before a shielding must not overwrite the shielded copy).
	Seq int64 `json:"seq,omitempty"`
}

// AuthorityContact is how to reach the management team of a local authority,
// whom a shielded record sends a person to.
type AuthorityContact struct {
	Team  string `json:"team"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Shielding is the history of a child's shielding: who shielded the child
// (their name, never their username), when, why, and the date by which the
// shielding is to be reviewed.
type Shielding struct {
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	ReviewDate string    `json:"review_date"`
}

// Carer is a parent or carer of a child.
type Carer struct {
	Name                   string `json:"name"`
	Relationship           string `json:"relationship"`
	ParentalResponsibility bool   `json:"parental_responsibility"`
	Phone                  string `json:"phone,omitempty"`
	Email                  string `json:"email,omitempty"`
}

// Setting is a universal service: an educational setting (Code is the school
// URN) or a GP practice (Code is the ODS code).
type Setting struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Phone     string `json:"phone,omitempty"`
	StartedOn string `json:"started_on,omitempty"`
}

// Involvement is a practitioner working, or having worked, with a child.
// Mine is set by the directory on the involvements of the person asking, so
// a practitioner's own work is known without anyone's username being sent
// (a username is half of a sign-in: with it, five wrong passwords lock a
// colleague out).
type Involvement struct {
	ID           string `json:"id"`
	Practitioner string `json:"practitioner"`
	// Username is the directory's own: it never goes on the wire.
	Username         string `json:"-"`
	Mine             bool   `json:"mine,omitempty"`
	Organisation     string `json:"organisation"`
	Role             string `json:"role"`
	Phone            string `json:"phone,omitempty"`
	Email            string `json:"email,omitempty"`
	StartedOn        string `json:"started_on"`
	EndedOn          string `json:"ended_on,omitempty"`
	CAF              bool   `json:"caf"`
	LeadProfessional bool   `json:"lead_professional"`
	// Issue 16: a sensitive service (sexual health, mental health,
	// substance misuse) and whether the young person consented to it being
	// shown. Without consent, everyone but the management team of the
	// service's authority sees only ContactVia (NotNamedService): no
	// organisation, practitioner or contact.
	Sensitive    bool   `json:"sensitive,omitempty"`
	ConsentShown bool   `json:"consent_shown,omitempty"`
	ContactVia   string `json:"contact_via,omitempty"`
	// Authority is the practitioner's organisation's authority.
	Authority string `json:"authority,omitempty"`
	// LeadOffered is set on an involvement offered the lead-professional
	// role and not yet answered (MutAcceptLead / MutDeclineLead).
	LeadOffered bool `json:"lead_offered,omitempty"`
}

// Active reports whether the involvement has not ended.
func (i Involvement) Active() bool { return i.EndedOn == "" }

// FullName returns "Given Family".
func (c *Child) FullName() string { return c.GivenName + " " + c.FamilyName }

// Redact returns a copy of c reduced to what a shielded record may show to
// someone outside the management team of its authority: identity, the viewer's
// own involvements (without other people's contacts) and whom to contact
// (ContactVia, and WithheldContact with the team's phone and email). The
// shielding's history is left out.
func (c *Child) Redact(viewer string) *Child {
	r := &Child{
		SignpostID:   c.SignpostID,
		GivenName:    c.GivenName,
		FamilyName:   c.FamilyName,
		DateOfBirth:  c.DateOfBirth,
		Gender:       c.Gender,
		Shielded:     true,
		Status:       c.Status,
		ContactVia:   ContactVia(c.Authority),
		Redacted:     true,
		Involvements: []Involvement{},
	}
	if c.WithheldContact != nil {
		wc := *c.WithheldContact
		r.WithheldContact = &wc
	} else {
		r.WithheldContact = &AuthorityContact{Team: r.ContactVia, Phone: c.TeamContact.Phone, Email: c.TeamContact.Email}
	}
	if c.Redacted && c.ContactVia != "" {
		r.ContactVia = c.ContactVia
	}
	for _, inv := range c.Involvements {
		if inv.Mine || (viewer != "" && inv.Username == viewer) {
			r.Involvements = append(r.Involvements, inv)
		}
	}
	return r
}

// ContactVia is the sentence a shielded record shows instead of what is withheld.
func ContactVia(authority string) string {
	if authority == "" {
		return "the management team of the child's local authority"
	}
	return "the management team of " + authority
}
