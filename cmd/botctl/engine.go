package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"botdvc/bot"
	"botdvc/dvhc"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
)

// engineFlags are the flags shared by ask, chat and eval: where the answers
// come from.
type engineFlags struct {
	guides  string
	catalog string
	url     string
}

func addEngineFlags(fs *flag.FlagSet) *engineFlags {
	f := &engineFlags{}
	fs.StringVar(&f.guides, "guides", "", "directory of guide files (default: the bundled corpus)")
	fs.StringVar(&f.catalog, "catalog", "", "national catalogue file (JSON lines, .gz allowed) to load beside the guides")
	fs.StringVar(&f.url, "url", "", "ask a running botd (its published guides and catalogue, through POST /api/v1/ask) instead of loading guides here, e.g. http://localhost:8080")
	return f
}

// openAnswerer returns the running service named by --url, or an engine
// over the guides named by --guides and --catalog.
func openAnswerer(ctx context.Context, f *engineFlags, stderr io.Writer) (answerer, error) {
	if f.url != "" {
		if f.guides != "" || f.catalog != "" {
			return nil, errors.New("--url asks a running botd, which has its own guides: leave out --guides and --catalog")
		}
		return newRemote(f.url)
	}
	e, err := buildEngine(ctx, f, stderr)
	if err != nil {
		return nil, err
	}
	return localAnswerer{e}, nil
}

// loadedEngine is an engine over an in-memory index, with what must be closed.
// Its Answer runs the chat behaviours that sit in front of the engine in
// botd too (the ward lookup, package dvhc), so botctl answers as the service does.
type loadedEngine struct {
	*bot.Engine
	chain  bot.HandlerFunc
	index  *bleveindex.Index
	guides int
}

// Answer answers m through the middleware chain and the engine.
func (l *loadedEngine) Answer(ctx context.Context, m bot.Message) (bot.Reply, error) {
	return l.chain(ctx, m)
}

func (l *loadedEngine) Close() error { return l.index.Close() }

// buildEngine loads the guides (and the catalogue, when asked), indexes them
// in an in-memory bleve index and returns an engine with in-memory sessions.
func buildEngine(ctx context.Context, f *engineFlags, stderr io.Writer) (*loadedEngine, error) {
	co, err := guides.LoadCorpus(f.guides, f.catalog, func(done int) {
		if done%500 == 0 {
			fmt.Fprintf(stderr, "\rcatalogue: %d records", done)
		}
	})
	if err != nil {
		return nil, err
	}
	if f.catalog != "" { // records that cannot be parsed are counted and reported, not fatal
		fmt.Fprintf(stderr, "\rcatalogue: %d procedures loaded, %d records with problems\n", len(co.Catalog), len(co.Problems))
	}
	all := co.All()
	idx, err := bleveindex.Open("")
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	if err := idx.Upsert(ctx, all...); err != nil {
		idx.Close()
		return nil, fmt.Errorf("index guides: %w", err)
	}
	lib := knowledge.NewLibrary(all...)
	dir, err := dvhc.Load()
	if err != nil {
		idx.Close()
		return nil, err
	}
	sessions := bot.NewMemorySessions(time.Hour)
	e := bot.NewEngine(idx, lib, sessions)
	answer := bot.Chain(e.Answer, bot.Remember(sessions), dvhc.NewChat(dir, sessions).Middleware())
	return &loadedEngine{Engine: e, chain: answer, index: idx, guides: len(all)}, nil
}
