package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"botdvc/bot"
	"botdvc/internal/evalset"
	"botdvc/internal/fit"
)

// fitSet is one line of the sets manifest (internal/fit/sets.tsv).
type fitSet struct {
	name    string
	path    string
	catalog bool
	by      evalset.By
	weight  float64
	rows    []evalset.Row
}

// runFit fits the engine's model (bot/model.json) on the labelled question
// sets of the manifest, and reports plain and k-fold cross-validated figures
// per set: each question is answered by a model fitted without its fold.
func runFit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: botctl fit [--sets FILE] [--catalog FILE] [--folds N] [--repeats N] [--write bot/model.json] [--dump FILE] [--show-misses SET]")
		fs.PrintDefaults()
	}
	manifest := fs.String("sets", "internal/fit/sets.tsv", "manifest of question sets: name, path, catalogue yes/no, labels guide_id/code")
	catalogPath := fs.String("catalog", "../shared/data/dvcqg-procedures.jsonl.gz", "national catalogue for the sets asked with it")
	folds := fs.Int("folds", 5, "cross-validation folds (0: no cross-validation)")
	repeats := fs.Int("repeats", 1, "repeat the cross-validation with this many fold assignments and report the mean (misses and --dump: the first)")
	write := fs.String("write", "", "write the model fitted on all sets here (e.g. bot/model.json)")
	o := fit.DefaultOptions
	fs.Float64Var(&o.L2, "l2", o.L2, "ridge penalty of the rank regression")
	fs.Float64Var(&o.WrongCost, "wrong-cost", o.WrongCost, "cost of a wrong procedure answered (a right answer is worth 1)")
	show := fs.String("show-misses", "", "list the cross-validated misses of this set")
	dump := fs.String("dump", "", "write each cross-validated answer here as a JSON line (set, expect, answer)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sets, err := readManifest(*manifest)
	if err != nil {
		return err
	}
	engines := map[bool]*loadedEngine{}
	for _, s := range sets {
		if engines[s.catalog] != nil {
			continue
		}
		f := &engineFlags{}
		if s.catalog {
			f.catalog = *catalogPath
		}
		e, err := buildEngine(ctx, f, stderr)
		if err != nil {
			return err
		}
		defer e.Close()
		engines[s.catalog] = e
	}
	// Explanations are independent of the model: computed once.
	var all []fit.Example
	exs := make([][]fit.Example, len(sets))
	for i, s := range sets {
		for _, r := range s.rows {
			ex, err := engines[s.catalog].Explain(ctx, r.Question)
			if err != nil {
				return fmt.Errorf("%s line %d: %w", s.name, r.Line, err)
			}
			exs[i] = append(exs[i], fit.NewExample(s.name, s.weight, r, s.by, ex))
		}
		all = append(all, exs[i]...)
	}
	answer := func(s fitSet, m *bot.Model, tag string, idx []int) (map[int]bot.AskResult, error) {
		e := engines[s.catalog] // through the middleware chain, as botctl ask answers
		e.SetModel(m)
		out := map[int]bot.AskResult{}
		for _, i := range idx {
			r := s.rows[i]
			rep, err := e.Answer(ctx, bot.Message{ID: "1", Channel: bot.CLI, UserID: fmt.Sprintf("fit-%s-%s-%d", s.name, tag, i), Kind: bot.KindText, Text: r.Question})
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", s.name, r.Line, err)
			}
			out[i] = rep.Result(r.Question)
		}
		return out, nil
	}
	// cvs[r][i][j] is row j of set i answered by a model fitted without
	// its fold in the r-th fold assignment.
	cvs := make([][][]bot.AskResult, max(1, *repeats))
	for rep := range cvs {
		cv := make([][]bot.AskResult, len(sets))
		for i := range sets {
			cv[i] = make([]bot.AskResult, len(sets[i].rows))
		}
		for k := 0; k < *folds; k++ {
			var train []fit.Example
			for _, e := range all {
				if e.FoldSalted(*folds, rep) != k {
					train = append(train, e)
				}
			}
			m, err := fit.Model(train, o)
			if err != nil {
				return fmt.Errorf("fold %d: %w", k, err)
			}
			for i, s := range sets {
				var idx []int
				for j, e := range exs[i] {
					if e.FoldSalted(*folds, rep) == k {
						idx = append(idx, j)
					}
				}
				got, err := answer(s, m, fmt.Sprint("cv", rep, "-", k), idx)
				if err != nil {
					return err
				}
				for j, a := range got {
					cv[i][j] = a
				}
			}
		}
		cvs[rep] = cv
	}
	cv := cvs[0]
	if *dump != "" {
		if err := dumpAnswers(*dump, sets, cv); err != nil {
			return err
		}
	}
	m, err := fit.Model(all, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-18s %4s  %-28s  %-28s\n", "set", "n", "plain: acc wrong off-corpus", fmt.Sprintf("%d-fold CV: acc wrong off-corpus", *folds))
	figures := map[string]string{}
	for i, s := range sets {
		idx := make([]int, len(s.rows))
		for j := range idx {
			idx[j] = j
		}
		got, err := answer(s, m, "plain", idx)
		if err != nil {
			return err
		}
		plain := make([]bot.AskResult, len(s.rows))
		for j, a := range got {
			plain[j] = a
		}
		p := evalset.Summarize(nil, s.rows, plain, s.by, false)
		line := fmt.Sprintf("%-18s %4d  %5.3f %5.3f %-16s", s.name, p.N, p.Accuracy, p.Wrong, offCorpus(p))
		fig := fmt.Sprintf("plain %.3f wrong %.3f", p.Accuracy, p.Wrong)
		if *folds > 0 {
			c := meanSummary(s, cvs, i)
			line += fmt.Sprintf("  %5.3f %5.3f %-12s top1 %.2f top3 %.2f", c.Accuracy, c.Wrong, offCorpus(c), c.Top1, c.Top3)
			fig += fmt.Sprintf("; %d-fold CV %.3f wrong %.3f", *folds, c.Accuracy, c.Wrong)
			if *repeats > 1 {
				fig += fmt.Sprintf(" (mean of %d fold assignments)", *repeats)
			}
			if *show == s.name {
				defer evalset.Summarize(stdout, s.rows, cv[i], s.by, true)
			}
		}
		fmt.Fprintln(stdout, line)
		figures["set "+s.name] = fig
	}
	fmt.Fprintf(stdout, "model: wrong answer costs %g, options ≥ %.1f × best\n", m.WrongCost, m.OptionShare)
	if *write == "" {
		return nil
	}
	m.Fitted = figures
	m.Fitted["command"] = "go run ./cmd/botctl fit " + strings.Join(args, " ")
	m.Fitted["date"] = time.Now().UTC().Format("2006-01-02")
	m.Fitted["options"] = fmt.Sprintf("l2 %g, wrong-cost %g, inner folds %d", o.L2, o.WrongCost, o.InnerFolds)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*write, append(b, '\n'), 0o644)
}

// meanSummary averages set i's cross-validated figures over the fold
// assignments of cvs.
func meanSummary(s fitSet, cvs [][][]bot.AskResult, i int) evalset.Summary {
	var m evalset.Summary
	for _, cv := range cvs {
		c := evalset.Summarize(nil, s.rows, cv[i], s.by, false)
		m.N, m.OffCorpus = c.N, c.OffCorpus
		m.Accuracy += c.Accuracy
		m.Wrong += c.Wrong
		m.Top1 += c.Top1
		m.Top3 += c.Top3
		m.OffNotAnswer += c.OffNotAnswer
	}
	n := float64(len(cvs))
	m.Accuracy, m.Wrong, m.Top1, m.Top3, m.OffNotAnswer = m.Accuracy/n, m.Wrong/n, m.Top1/n, m.Top3/n, m.OffNotAnswer/n
	return m
}

func offCorpus(s evalset.Summary) string {
	if s.OffCorpus == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f of %d", s.OffNotAnswer, s.OffCorpus)
}

// readManifest reads the sets manifest and the sets it names.
func readManifest(path string) ([]fitSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var sets []fitSet
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		weight := 1.0
		if len(c) == 5 {
			w, err := strconv.ParseFloat(c[4], 64)
			if err != nil || w <= 0 {
				return nil, fmt.Errorf("%s:%d: weight %q: want a positive number", path, n, c[4])
			}
			weight, c = w, c[:4]
		}
		if len(c) != 4 || (c[2] != "yes" && c[2] != "no") || (c[3] != string(evalset.ByGuide) && c[3] != string(evalset.ByCode)) {
			return nil, fmt.Errorf("%s:%d: want name<TAB>path<TAB>yes|no<TAB>guide_id|code[<TAB>weight]", path, n)
		}
		rows, err := evalset.Read(c[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		sets = append(sets, fitSet{name: c[0], path: c[1], catalog: c[2] == "yes", by: evalset.By(c[3]), weight: weight, rows: rows})
	}
	if len(sets) == 0 {
		return nil, errors.New(path + ": no sets")
	}
	return sets, sc.Err()
}

// dumpAnswers writes the cross-validated answers, one JSON line each, for
// looking into what the model does with each question.
func dumpAnswers(path string, sets []fitSet, answers [][]bot.AskResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for i, s := range sets {
		for j, r := range s.rows {
			line := struct {
				Set    string        `json:"set"`
				Expect string        `json:"expect"`
				Score  float64       `json:"score"`
				Answer bot.AskResult `json:"answer"`
			}{s.name, r.Expect, evalset.Score(r, answers[i][j], s.by), answers[i][j]}
			if err := enc.Encode(line); err != nil {
				f.Close()
				return err
			}
		}
	}
	return f.Close()
}
