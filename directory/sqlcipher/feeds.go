package sqlcipher

import "strings"

// updateSQL changes a child as a feed record says, and only if that changes
// something (a NULL argument leaves a column as it is). Each new value is
// an expression of the old row; the statement sets each column to it and
// selects the row only where one differs.
var updateSQL = func() string {
	setting := func(p, code, name, started string) []([2]string) {
		newer := `(?` + code + ` IS NOT NULL AND ?` + started + ` >= ` + p + `_started)`
		return [][2]string{
			{p + "_code", `CASE WHEN ` + newer + ` THEN ?` + code + ` ELSE ` + p + `_code END`},
			{p + "_name", `CASE WHEN ` + newer + ` THEN ?` + name + ` ELSE ` + p + `_name END`},
			{p + "_phone", `CASE WHEN ` + newer + ` AND ?` + code + ` != ` + p + `_code THEN '' ELSE ` + p + `_phone END`},
			{p + "_started", `CASE WHEN ` + newer + ` THEN ?` + started + ` ELSE ` + p + `_started END`},
		}
	}
	cols := [][2]string{
		{"given_name", `COALESCE(?1, given_name)`},
		{"given_norm", `COALESCE(?2, given_norm)`},
		{"family_name", `COALESCE(?3, family_name)`},
		{"family_norm", `COALESCE(?4, family_norm)`},
		{"dob", `COALESCE(?5, dob)`},
		{"gender", `COALESCE(?6, gender)`},
		{"address", `CASE WHEN ?7 IS NOT NULL THEN ?7 WHEN ?8 AND ?9 IS NOT NULL AND ?9 != postcode THEN '' ELSE address END`},
		{"postcode", `COALESCE(?9, postcode)`},
		{"authority_id", `CASE WHEN ?10 IS NULL THEN authority_id WHEN ?11 AND authority_id IS NOT NULL AND (?9 IS NULL OR ?9 = postcode) THEN authority_id ELSE ?10 END`},
		{"nhs_number", `COALESCE(nhs_number, ?12)`},
		{"upn", `COALESCE(upn, ?13)`},
		{"date_of_death", `CASE WHEN ?20 IS NOT NULL AND status != 'archived' THEN ?20 ELSE date_of_death END`},
		{"status", `CASE WHEN ?20 IS NOT NULL AND status = 'active' THEN 'deceased' ELSE status END`},
	}
	cols = append(cols, setting("school", "14", "15", "16")...)
	cols = append(cols, setting("gp", "17", "18", "19")...)
	var set, diff []string
	for _, c := range cols {
		set = append(set, c[0]+" = "+c[1])
		diff = append(diff, c[0]+" IS NOT "+c[1])
	}
	return `UPDATE children SET ` + strings.Join(set, ", ") + `, seq = ?21 WHERE signpost_id = ?22 AND NOT (?23 AND shielded) AND (` + strings.Join(diff, " OR ") + `)`
}()
