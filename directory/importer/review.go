package importer

import (
	"context"
	"strconv"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/feed"
)

// openReview returns an open review item and its record.
func openReview(ctx context.Context, st directory.Store, id int64) (*directory.ReviewItem, *feed.Record, error) {
	item, err := st.ReviewItem(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if item.Status != directory.ReviewOpen {
		return nil, nil, &signpost.Error{Kind: signpost.KindConflict, Message: "review item " + strconv.FormatInt(id, 10) + " was " + item.Status + " already"}
	}
	rec, err := RecordOf(item)
	if err != nil {
		return nil, nil, err
	}
	return item, rec, nil
}

// nhsHolder returns the live child holding an NHS number, if any.
func nhsHolder(ctx context.Context, st directory.Store, nhs string) (string, error) {
	if nhs == "" {
		return "", nil
	}
	cs, err := st.Candidates(ctx, directory.CandidateKeys{NHSNumber: nhs})
	if err != nil || len(cs) == 0 {
		return "", err
	}
	return cs[0].SignpostID, nil
}

// LinkReview decides that a review item's record is the child with
// signpostID: the record is applied to it as a confident match would have
// been, and the item is closed, in one transaction.
func LinkReview(ctx context.Context, st directory.Store, id int64, signpostID, by string, now time.Time) error {
	if !signpost.ValidSignpostID(signpostID) {
		return signpost.FieldError("child", "that is not a valid Signpost ID")
	}
	signpostID = signpost.NormaliseSignpostID(signpostID)
	_, rec, err := openReview(ctx, st, id)
	if err != nil {
		return err
	}
	c, err := st.Child(ctx, signpostID)
	if err != nil {
		return err
	}
	if c.MergedInto != "" {
		return &signpost.Error{Kind: signpost.KindConflict, Message: signpostID + " was merged into " + c.MergedInto + "; link to that one"}
	}
	if c.Status == signpost.StatusArchived {
		return &signpost.Error{Kind: signpost.KindConflict, Message: signpostID + " is archived"}
	}
	if holder, err := nhsHolder(ctx, st, rec.NHSNumber); err != nil {
		return err
	} else if holder != "" && holder != signpostID {
		return &signpost.Error{Kind: signpost.KindConflict, Message: "the record's NHS number belongs to " + holder + ": if that is the same child, merge the two first (signpost-directory merge)"}
	}
	if c.NHSNumber != "" && rec.NHSNumber != "" && c.NHSNumber != rec.NHSNumber {
		return &signpost.Error{Kind: signpost.KindConflict, Message: "the record and " + signpostID + " have different NHS numbers: they are not the same child"}
	}
	f, _ := pendingOf(rec, c.Postcode)
	_, err = st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{changeOf(rec.Kind, serialOf(signpostID), false, &f)}, At: now,
		Resolve: &directory.Resolution{ID: id, Status: directory.ReviewLinked, Child: signpostID, By: by, At: now}})
	if err == nil { // issue 16: a move the record made is told
		_, err = directory.DrainNotifications(ctx, st)
	}
	return err
}

// CreateFromReview decides that a review item's record is a child the
// directory does not hold: a new child is made from it (with a new Signpost
// ID, returned) and the item closed, in one transaction.
func CreateFromReview(ctx context.Context, st directory.Store, id int64, by string, now time.Time) (string, error) {
	_, rec, err := openReview(ctx, st, id)
	if err != nil {
		return "", err
	}
	if rec.Kind == feed.Deaths {
		return "", &signpost.Error{Kind: signpost.KindConflict, Message: "a death registration does not create a child: link it, or dismiss it"}
	}
	if holder, err := nhsHolder(ctx, st, rec.NHSNumber); err != nil {
		return "", err
	} else if holder != "" {
		return "", &signpost.Error{Kind: signpost.KindConflict, Message: "the record's NHS number belongs to " + holder + ": link the record to that child"}
	}
	serial, err := st.AllocateSerials(ctx, 1)
	if err != nil {
		return "", err
	}
	nc := newChildFrom(rec, st.IDCodec().Number(serial))
	_, err = st.ApplyFeed(ctx, &directory.FeedBatch{Creates: []directory.NewChild{nc}, At: now,
		Resolve: &directory.Resolution{ID: id, Status: directory.ReviewCreated, Child: nc.SignpostID, By: by, At: now}})
	if err != nil {
		return "", err
	}
	return nc.SignpostID, nil
}

// DismissReview closes a review item without applying its record.
func DismissReview(ctx context.Context, st directory.Store, id int64, by string, now time.Time) error {
	if _, _, err := openReview(ctx, st, id); err != nil {
		return err
	}
	_, err := st.ApplyFeed(ctx, &directory.FeedBatch{At: now, Resolve: &directory.Resolution{ID: id, Status: directory.ReviewDismissed, By: by, At: now}})
	return err
}

// Merge merges child from into child into (see directory.MergeOrder): an operator's
// decision, so shielded children may be merged.
func Merge(ctx context.Context, st directory.Store, from, into string, now time.Time) error {
	for _, f := range []struct{ name, v string }{{"from", from}, {"into", into}} {
		if !signpost.ValidSignpostID(f.v) {
			return signpost.FieldError(f.name, "%s must be a valid Signpost ID", f.name)
		}
	}
	res, err := st.ApplyFeed(ctx, &directory.FeedBatch{Merges: []directory.MergeOrder{{From: signpost.NormaliseSignpostID(from), Into: signpost.NormaliseSignpostID(into)}}, At: now})
	if err != nil {
		return err
	}
	if res.Merged == 0 {
		return &signpost.Error{Kind: signpost.KindConflict, Message: from + " was already merged into " + into}
	}
	return nil
}

func serialOf(id string) int {
	n, _ := strconv.Atoi(id[2:10])
	return n
}
