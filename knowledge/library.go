package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"sync"
)

// Library is the in-memory set of guides the engine answers from. It is safe
// for concurrent use. Version increases on every change; Fingerprint is a hash
// of the content, so a search index built from an equal set can be reused.
type Library struct {
	mu      sync.RWMutex
	byID    map[string]Guide
	byCode  map[string]string // national code -> guide id
	version uint64
	fp      string // cached Fingerprint, "" when stale
}

// NewLibrary returns a Library holding gs. A later guide replaces an earlier
// one with the same id.
func NewLibrary(gs ...Guide) *Library {
	l := &Library{byID: make(map[string]Guide, len(gs))}
	for _, g := range gs {
		l.byID[g.ID] = g
	}
	l.reindex()
	return l
}

// reindex rebuilds byCode; the caller holds the write lock. A curated guide
// wins a code over a catalogue guide; otherwise the smaller id wins, so the
// result does not depend on map order.
func (l *Library) reindex() {
	l.byCode = make(map[string]string, len(l.byID))
	for _, id := range l.idsLocked() {
		g := l.byID[id]
		codes := append([]string{g.Code}, g.OtherCodes...)
		for _, c := range codes {
			if c == "" {
				continue
			}
			if cur, ok := l.byCode[c]; ok {
				if l.byID[cur].Source == SourceCatalog && g.Source != SourceCatalog {
					l.byCode[c] = id
				}
				continue
			}
			l.byCode[c] = id
		}
	}
	l.fp = ""
}

func (l *Library) idsLocked() []string {
	ids := make([]string, 0, len(l.byID))
	for id := range l.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Get returns the guide with the given id.
func (l *Library) Get(id string) (Guide, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	g, ok := l.byID[id]
	return g, ok
}

// ByCode returns the guide for a national procedure code, matching Code and
// OtherCodes; a curated guide is preferred over a catalogue record.
func (l *Library) ByCode(code string) (Guide, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	id, ok := l.byCode[code]
	if !ok {
		return Guide{}, false
	}
	return l.byID[id], true
}

// All returns every guide, sorted by id.
func (l *Library) All() []Guide {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]Guide, 0, len(l.byID))
	for _, id := range l.idsLocked() {
		out = append(out, l.byID[id])
	}
	return out
}

// Put adds or replaces the guide with g.ID.
func (l *Library) Put(g Guide) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byID[g.ID] = g
	l.reindex()
	l.version++
}

// Delete removes the guide with the given id; an unknown id is ignored and
// does not change the version.
func (l *Library) Delete(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.byID[id]; !ok {
		return
	}
	delete(l.byID, id)
	l.reindex()
	l.version++
}

// Len returns the number of guides.
func (l *Library) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.byID)
}

// Version returns a counter that increases on every Put or Delete; it starts
// at 0 for a new Library.
func (l *Library) Version() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.version
}

// Fingerprint returns a hex SHA-256 over the content of every guide (their
// FormatGuide text and source, in id order). Two libraries with the same
// guides have the same fingerprint whatever their history; an index stores it
// to know when it must rebuild.
func (l *Library) Fingerprint() string {
	l.mu.RLock()
	if fp := l.fp; fp != "" {
		l.mu.RUnlock()
		return fp
	}
	l.mu.RUnlock()

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fp != "" {
		return l.fp
	}
	h := sha256.New()
	for _, id := range l.idsLocked() {
		g := l.byID[id]
		h.Write([]byte(g.Source))
		h.Write([]byte{0})
		h.Write(FormatGuide(g))
		h.Write([]byte{0})
	}
	l.fp = hex.EncodeToString(h.Sum(nil))
	return l.fp
}

// Merge returns the curated guides followed by the catalogue guides whose
// code (and id) no curated guide has: a curated guide wins over a catalogue
// record with the same national code, matched against both its Code and its
// OtherCodes. The names of the records set aside go to the curated guide's
// CodeNames.
func Merge(curated, catalog []Guide) []Guide {
	owner := map[string]int{} // code -> index of the curated guide covering it
	ids := map[string]bool{}
	out := make([]Guide, 0, len(curated)+len(catalog))
	for _, g := range curated {
		ids[g.ID] = true
		for _, c := range append([]string{g.Code}, g.OtherCodes...) {
			if c != "" {
				owner[c] = len(out)
			}
		}
		g.CodeNames = nil
		out = append(out, g)
	}
	for _, g := range catalog {
		if i, ok := owner[g.Code]; ok && g.Code != "" {
			if out[i].CodeNames == nil {
				out[i].CodeNames = map[string]string{}
			}
			out[i].CodeNames[g.Code] = g.Title
			continue
		}
		if ids[g.ID] {
			continue
		}
		out = append(out, g)
	}
	return out
}
