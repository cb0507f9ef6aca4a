package app

import (
	"fmt"

	"switchboard/model"
	"switchboard/store"
)

// ApplySnapshotEntities writes a page of a snapshot as the hub sent it
// (sync/client's EntityCache: the cache stores each entity's JSON as it
// came, never encoded again) and brings the indexes in step with it, as
// ApplySnapshot does: the search index needs the decoded entities.
func (a cacheOf) ApplySnapshotEntities(ents []store.Entity) (store.Applied, error) {
	evs := make([]model.Event, 0, len(ents))
	for _, e := range ents {
		ev, err := e.Event()
		if err != nil {
			return store.Applied{}, fmt.Errorf("app: snapshot entity %s %s: %w", e.Type, e.ID, err)
		}
		evs = append(evs, ev)
	}
	return a.index(evs)(a.c.store.ApplySnapshotEntities(ents))
}
