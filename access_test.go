package signpost

import "testing"

func TestCheckShieldIsTheManagementTeamOfTheChildsAuthority(t *testing.T) {
	leeds, none := &Child{Authority: "Leeds"}, &Child{}
	for _, tc := range []struct {
		name, role, authority string
		child                 *Child
		want                  ErrorKind // "" when allowed
	}{
		{"Leeds' management team, a Leeds child", RoleManagement, "Leeds", leeds, ""},
		{"another authority's management team", RoleManagement, "Manchester", leeds, KindForbidden},
		{"a management team with no authority", RoleManagement, "", leeds, KindForbidden},
		{"a child with no authority", RoleManagement, "Leeds", none, KindConflict},
		{"a practitioner of the child's authority", RolePractitioner, "Leeds", leeds, KindForbidden},
		{"an IT administrator of the child's authority", RoleITAdmin, "Leeds", leeds, KindForbidden},
		{"before the child is read, a management team", RoleManagement, "", nil, ""},
		{"before the child is read, a practitioner", RolePractitioner, "Leeds", nil, KindForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckShield(tc.role, tc.authority, tc.child)
			if got := KindOf(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
				t.Fatalf("CheckShield = %v, want kind %q", err, tc.want)
			}
			if tc.child != nil && CanShield(tc.role, tc.authority, tc.child) != (tc.want == "") {
				t.Errorf("CanShield disagrees with CheckShield (%v)", err)
			}
		})
	}
	if CanShield(RoleManagement, "Leeds", nil) {
		t.Error("CanShield without a child")
	}
}

func TestCanBreakGlassIsManagementOrChildProtection(t *testing.T) {
	for _, tc := range []struct {
		name            string
		role            string
		childProtection bool
		want            bool
	}{
		{"a management team", RoleManagement, false, true},
		{"a child-protection practitioner", RolePractitioner, true, true},
		{"a practitioner", RolePractitioner, false, false},
		{"an IT administrator", RoleITAdmin, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanBreakGlass(tc.role, tc.childProtection); got != tc.want {
				t.Errorf("CanBreakGlass(%q, %v) = %v, want %v", tc.role, tc.childProtection, got, tc.want)
			}
		})
	}
}
