package fit

import (
	"errors"
	"math"

	"botdvc/bot"
)

// Logistic fits an L2-regularised logistic regression by Newton's method
// (iteratively reweighted least squares): P(y=1 | x) = σ(w·x + b). It
// returns the weights followed by the intercept, the layout bot.Dot reads.
// Each example counts weight[i] times (nil: once). The intercept is not
// penalised. Deterministic: the same data give the same weights.
func Logistic(x [][]float64, y, weight []float64, l2 float64) ([]float64, error) {
	if len(x) == 0 {
		return nil, errors.New("fit: no examples")
	}
	d := len(x[0]) + 1
	w := make([]float64, d)
	row := make([]float64, d)
	for iter := 0; iter < 50; iter++ {
		g := make([]float64, d)
		h := make([][]float64, d)
		for i := range h {
			h[i] = make([]float64, d)
		}
		for i, xi := range x {
			copy(row, xi)
			row[d-1] = 1
			p := bot.Sigmoid(bot.Dot(w, xi))
			k := 1.0
			if weight != nil {
				k = weight[i]
			}
			r := k * (p - y[i])
			s := k * math.Max(p*(1-p), 1e-9)
			for a := 0; a < d; a++ {
				g[a] += r * row[a]
				for b := 0; b <= a; b++ {
					h[a][b] += s * row[a] * row[b]
				}
			}
		}
		for a := 0; a < d; a++ {
			for b := 0; b < a; b++ {
				h[b][a] = h[a][b]
			}
			if a < d-1 {
				g[a] += l2 * w[a]
				h[a][a] += l2
			} else {
				h[a][a] += 1e-9
			}
		}
		step, err := solve(h, g)
		if err != nil {
			return nil, err
		}
		var norm float64
		for a := range w {
			w[a] -= step[a]
			norm = math.Max(norm, math.Abs(step[a]))
		}
		if norm < 1e-8 {
			break
		}
	}
	return w, nil
}

// solve solves a·x = b for a symmetric positive definite a (Gaussian
// elimination with partial pivoting; a and b are overwritten).
func solve(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return nil, errors.New("fit: singular system (a feature never varies?)")
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * x[k]
		}
		x[r] = s / a[r][r]
	}
	return x, nil
}

// Choice is one question for Softmax: its candidates' feature vectors and
// which of them are right (none: the question has no right candidate).
type Choice struct {
	X      [][]float64
	Right  []bool
	Weight float64 // how many times it counts (0: once)
}

func (q Choice) weight() float64 {
	if q.Weight == 0 {
		return 1
	}
	return q.Weight
}

// Softmax fits a conditional logit with a "none of these" alternative:
// for a question with candidates i, P(i) = exp(w·x_i + b) / (1 + Σ_j
// exp(w·x_j + b)) and P(none) = 1 / (1 + Σ_j exp(w·x_j + b)). A question
// with several right candidates counts P(any of them). Candidates compete
// within their question, so the best one's probability says how it stands
// against its rivals and against "none", which a per-candidate regression
// cannot. It returns w followed by b (bot.Dot's layout), fitted by damped
// Newton steps with an L2 penalty on w.
func Softmax(qs []Choice, l2 float64) ([]float64, error) {
	var d int
	for _, q := range qs {
		if len(q.X) > 0 {
			d = len(q.X[0]) + 1
			break
		}
	}
	if d == 0 {
		return nil, errors.New("fit: no candidates")
	}
	w := make([]float64, d)
	loss := func(w []float64) float64 {
		var l float64
		for _, q := range qs {
			l -= q.weight() * choiceLogLik(w, q)
		}
		for a := 0; a < d-1; a++ {
			l += 0.5 * l2 * w[a] * w[a]
		}
		return l
	}
	cur := loss(w)
	x := make([]float64, d)
	for iter := 0; iter < 100; iter++ {
		g := make([]float64, d)
		h := make([][]float64, d)
		for i := range h {
			h[i] = make([]float64, d)
		}
		for _, q := range qs {
			if len(q.X) == 0 {
				continue
			}
			p, _ := choiceProbs(w, q.X)
			var sumRight float64
			for i, ok := range q.Right {
				if ok {
					sumRight += p[i]
				}
			}
			k := q.weight()
			mean := make([]float64, d)
			for i, xi := range q.X {
				copy(x, xi)
				x[d-1] = 1
				r := 0.0
				if q.Right[i] && sumRight > 0 {
					r = p[i] / sumRight
				}
				for a := 0; a < d; a++ {
					g[a] += k * (p[i] - r) * x[a]
					mean[a] += p[i] * x[a]
					for b := 0; b <= a; b++ {
						h[a][b] += k * p[i] * x[a] * x[b]
					}
				}
			}
			for a := 0; a < d; a++ {
				for b := 0; b <= a; b++ {
					h[a][b] -= k * mean[a] * mean[b]
				}
			}
		}
		for a := 0; a < d; a++ {
			for b := 0; b < a; b++ {
				h[b][a] = h[a][b]
			}
			if a < d-1 {
				g[a] += l2 * w[a]
				h[a][a] += l2
			}
			h[a][a] += 1e-6
		}
		step, err := solve(h, g)
		if err != nil {
			return nil, err
		}
		// Damped: halve the step until the loss does not grow.
		t := 1.0
		next := make([]float64, d)
		for ; t > 1e-6; t /= 2 {
			for a := range w {
				next[a] = w[a] - t*step[a]
			}
			if l := loss(next); l <= cur+1e-12 {
				cur = l
				break
			}
		}
		var norm float64
		for a := range w {
			norm = math.Max(norm, math.Abs(next[a]-w[a]))
		}
		copy(w, next)
		if norm < 1e-7 {
			break
		}
	}
	return w, nil
}

// choiceProbs returns the candidates' probabilities and P(none).
func choiceProbs(w []float64, xs [][]float64) ([]float64, float64) {
	return bot.ChoiceProbs(w, xs)
}

func choiceLogLik(w []float64, q Choice) float64 {
	p, none := choiceProbs(w, q.X)
	var s float64
	any := false
	for i, ok := range q.Right {
		if ok {
			s += p[i]
			any = true
		}
	}
	if !any {
		s = none
	}
	return math.Log(math.Max(s, 1e-300))
}
