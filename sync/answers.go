package sync

import (
	"strings"

	"github.com/google/uuid"

	"signpost"
)

// answers reports whether results answer ms one for one and in order: the
// directory gives each change's id back with its result. An answer that does
// not (a result too many or too few, a repeated or unknown id) is not one
// the cache can record, so its changes are sent again.
func answers(results []signpost.MutationResult, ms []signpost.Mutation) bool {
	if len(results) != len(ms) {
		return false
	}
	for i := range ms {
		if !sameID(results[i].ID, ms[i].ID) {
			return false
		}
	}
	return true
}

// sameID compares mutation ids as the directory does: as UUIDs when both are
// one (it answers with the canonical form), else as text.
func sameID(a, b string) bool {
	ua, errA := uuid.Parse(a)
	ub, errB := uuid.Parse(b)
	if errA == nil && errB == nil {
		return ua == ub
	}
	return strings.EqualFold(a, b)
}

// understood reports whether every result has a status this version knows.
// The cache keeps a change whose answer it cannot read, to send it again;
// the engine must then leave it to the next sync rather than push it again
// at once, which against the same directory would never end.
func understood(results []signpost.MutationResult) bool {
	for _, r := range results {
		status := r.Status
		if status == signpost.ResultDuplicate {
			status = r.FirstStatus
			if status == "" { // a duplicate without its first status was applied
				status = signpost.ResultApplied
			}
		}
		if status != signpost.ResultApplied && status != signpost.ResultRejected {
			return false
		}
	}
	return true
}
