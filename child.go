// Package signpost holds the nouns that the directory, the sync client, the
// device cache and the app share: children, involvements, mutations, the v1 wire
// messages, the domain error, identifier validation and name matching. It
// imports only the standard library.
package signpost

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
	// Seq is the directory's change number when this copy was read: of two
	// copies of a child, the one with the higher Seq is the newer, and a
	// cache never replaces a newer copy with an older one (a record fetched
	// just before a shielding must not overwrite the shielded copy).
	Seq int64 `json:"seq,omitempty"`
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
}

// Active reports whether the involvement has not ended.
func (i Involvement) Active() bool { return i.EndedOn == "" }

// FullName returns "Given Family".
func (c *Child) FullName() string { return c.GivenName + " " + c.FamilyName }

// Redact returns a copy of c reduced to what a shielded record may show to
// someone outside the management team of its authority: identity, the viewer's
// own involvements (without other people's contacts) and whom to contact.
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
