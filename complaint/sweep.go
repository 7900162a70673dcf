package complaint

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// sweepLoop runs Sweep every hour until ctx ends. Every instance runs it;
// deletions are revision-checked, so two instances sweeping at once do no harm.
func (d *Desk) sweepLoop(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := d.Sweep(ctx); err != nil {
				d.logger.Warn("complaint sweep", "removed", n, "err", err)
			} else if n > 0 {
				d.logger.Info("complaint sweep", "removed", n)
			}
		}
	}
}

// Sweep applies the retention: an answered or closed complaint that is not
// published and has not changed for Config.Retention is removed with its
// history (KV purge) and its files; files no complaint refers to (a
// complaint told in chat but never sent) are removed after a day. It
// returns how many complaints it removed.
func (d *Desk) Sweep(ctx context.Context) (int, error) {
	now := d.cfg.Now()
	var expired []Case
	referenced := map[string]bool{}
	d.mu.RLock()
	for _, c := range d.cases {
		if !c.Status.open() && c.Published.IsZero() && now.Sub(c.Updated) > d.cfg.Retention {
			expired = append(expired, c)
			continue
		}
		for _, f := range c.Files {
			referenced[f.Object] = true
		}
	}
	d.mu.RUnlock()
	n := 0
	for _, c := range expired {
		fresh, rev, err := d.get(ctx, c.Code)
		if err != nil {
			continue
		}
		if fresh.Status.open() || !fresh.Published.IsZero() || now.Sub(fresh.Updated) <= d.cfg.Retention {
			continue // changed since the view was read
		}
		if err := d.st.cases.Purge(ctx, c.Code, jetstream.LastRevision(rev)); err != nil {
			continue // changed meanwhile, or NATS is down: next sweep
		}
		for _, f := range c.Files {
			if f.Object != "" {
				_ = d.st.files.Delete(ctx, f.Object)
			}
		}
		d.putCase(c.Code, nil, true)
		n++
	}
	// Files of complaints told in chat but never sent.
	lister, err := d.st.files.List(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoObjectsFound) {
			return n, nil
		}
		return n, err
	}
	for _, info := range lister {
		if info == nil || referenced[info.Name] || now.Sub(info.ModTime) < 24*time.Hour {
			continue
		}
		_ = d.st.files.Delete(ctx, info.Name)
	}
	return n, nil
}
