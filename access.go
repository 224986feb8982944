package signpost

// Who may shield a child and who may break glass, decided here once: the
// directory enforces them and the app offers only what the directory allows.

// CheckShield says why a user of role and authority may not shield or
// unshield child c, or returns nil if they may: only the management team of
// the child's own authority. A team with no authority is no child's, and a
// child with no authority has no management team to see it once shielded.
// With c nil it checks what is known before the child is read (the role).
// Errors are kind forbidden, or conflict for a child with no authority.
func CheckShield(role, authority string, c *Child) error {
	if role != RoleManagement {
		return &Error{Kind: KindForbidden, Message: "only the management team of the child's authority may shield or unshield"}
	}
	if c == nil {
		return nil
	}
	if authority == "" {
		return &Error{Kind: KindForbidden, Message: "your account belongs to no local authority, so you cannot shield or unshield children"}
	}
	if c.Authority == "" {
		return &Error{Kind: KindConflict, Message: "this child's record has no local authority, so no management team could see it once shielded; the authority must be set first"}
	}
	if c.Authority != authority {
		return &Error{Kind: KindForbidden, Message: "only the management team of " + c.Authority + " may shield or unshield this child"}
	}
	return nil
}

// CanSeeShielded reports whether a user of role and authority may see
// shielded child c in full: the team that may shield it, the management team
// of its own authority (CheckShield's rule).
func CanSeeShielded(role, authority string, c *Child) bool {
	return CanShield(role, authority, c)
}

// CanShield reports whether a user of role and authority may shield or
// unshield child c (CheckShield finds nothing against it).
func CanShield(role, authority string, c *Child) bool {
	return c != nil && CheckShield(role, authority, c) == nil
}

// CanBreakGlass reports whether a user of role, and a child-protection
// practitioner or not, may ask for a shielded record in full: the management
// teams and child-protection practitioners.
func CanBreakGlass(role string, childProtection bool) bool {
	return role == RoleManagement || childProtection
}
