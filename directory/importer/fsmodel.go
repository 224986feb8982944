package importer

// Issue 15: the Fellegi–Sunter model that decides rows on their details.
//
// The model is estimated once, at the first import into a store that holds
// enough children to estimate from (match.MinIdentities), from the store's
// identities and the first rows of the file being imported, and saved with
// the store (setting match.SettingKey, JSON). Later imports read it back,
// so re-running an import decides the same way. Until a store holds enough
// children (the first national load's birth registrations go into an empty
// store) rows are decided by match.DefaultModel, which is not saved.

import (
	"context"
	"encoding/json"

	"signpost"
	"signpost/directory/feed"
	"signpost/directory/match"
)

// modelSeed seeds the random pairs estimation samples.
const modelSeed = 15

// loadModel reads the store's model, if it has one.
func (im *Engine) loadModel(ctx context.Context) error {
	v, err := im.st.Setting(ctx, match.SettingKey)
	if err != nil || v == "" {
		return err
	}
	var m match.Model
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return signpost.Internal("reading the match model", err)
	}
	if err := m.Ready(); err != nil {
		return signpost.Internal("reading the match model", err)
	}
	im.model = &m
	return nil
}

// needsModel reports whether the engine has no estimated model yet.
func (im *Engine) needsModel() bool { return im.model == nil || !im.model.Estimated }

// ensureModel estimates the model from the index and a file's first
// records if none is estimated yet, and saves it; while the store holds too
// few children, the default model decides.
func (im *Engine) ensureModel(ctx context.Context, recs []match.Record) error {
	if !im.needsModel() {
		return nil
	}
	if m := im.idx.Estimate(recs, modelSeed); m != nil {
		b, err := json.Marshal(m)
		if err != nil {
			return signpost.Internal("saving the match model", err)
		}
		if err := im.st.SetSetting(ctx, match.SettingKey, string(b)); err != nil {
			return err
		}
		im.model = m
		return nil
	}
	if im.model == nil {
		im.model = match.DefaultModel()
	}
	return nil
}

// Model is the model deciding rows on their details (nil before an import
// has needed one and when the store has none saved).
func (im *Engine) Model() *match.Model { return im.model }

// Explain decides a record as an import would now, without changing
// anything, with the model the store has (or would start with).
func (im *Engine) Explain(rec match.Record) (match.Decision, *match.Model) {
	m := im.model
	if m == nil {
		m = match.DefaultModel()
	}
	return im.idx.ExplainFS(m, rec), m
}

// ExplainRecord is Explain for a feed row.
func (im *Engine) ExplainRecord(rec *feed.Record) (match.Decision, *match.Model) {
	return im.Explain(matchRecord(rec))
}
