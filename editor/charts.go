package editor

import (
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strings"

	"botdvc/bot"
	"botdvc/knowledge/vntext"
)

// GroupKeyText folds text for the admin list's substring filter.
func GroupKeyText(s string) string { return vntext.Fold(s) }

func urlEscape(s string) string { return url.QueryEscape(s) }

// channelColor gives each channel one colour in every chart: the
// channel's own (channel.Info.Color), grey for botctl's questions, amber
// for any other.
func (a *Admin) channelColor(ch string) string {
	if in, ok := a.Channels.Get(bot.Channel(ch)); ok && in.Color != "" {
		return in.Color
	}
	if ch == string(bot.CLI) {
		return "#888888"
	}
	return "#c08a00"
}

// dayChart draws questions per day as stacked bars by channel, as inline SVG.
func (a *Admin) dayChart(s Summary) template.HTML {
	const w, h, pad = 720, 220, 30
	maxv := 1
	chans := map[string]bool{}
	for _, d := range s.PerDay {
		maxv = max(maxv, d.Total)
		for ch := range d.ByChannel {
			chans[ch] = true
		}
	}
	names := make([]string, 0, len(chans))
	for ch := range chans {
		names = append(names, ch)
	}
	sort.Strings(names)
	n := max(len(s.PerDay), 1)
	bw := float64(w-2*pad) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="100%%" role="img" aria-label="Số câu hỏi mỗi ngày theo kênh">`, w, h+40)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, pad, h, w-pad, h)
	fmt.Fprintf(&b, `<text x="2" y="14" font-size="11" fill="#555">%d</text>`, maxv)
	for i, d := range s.PerDay {
		x := float64(pad) + float64(i)*bw
		y := float64(h)
		for _, ch := range names {
			v := d.ByChannel[ch]
			if v == 0 {
				continue
			}
			bh := float64(v) / float64(maxv) * float64(h-20)
			y -= bh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %d</title></rect>`,
				x+1, y, max(bw-2, 1), bh, a.channelColor(ch), d.Date, template.HTMLEscapeString(ch), v)
		}
		if n <= 14 || i%(n/7+1) == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" fill="#555">%s</text>`, x, h+14, d.Date[5:])
		}
	}
	lx := pad
	for _, ch := range names {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>`,
			lx, h+24, a.channelColor(ch), lx+14, h+33, template.HTMLEscapeString(ch))
		lx += 100
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// actionBars draws the share of each outcome as horizontal bars.
func actionBars(s Summary) template.HTML {
	order := []struct{ key, label, color string }{
		{"answer", "Trả lời", "#1f9d55"}, {"clarify", "Hỏi lại", "#c08a00"},
		{"handoff", "Chuyển tổng đài", "#d9480f"}, {"fallback", "Không trả lời được", "#c92a2a"},
		{"greeting", "Chào hỏi", "#868e96"},
	}
	const w = 720
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="100%%" role="img" aria-label="Kết quả xử lý câu hỏi">`, w, len(order)*26+4)
	for i, o := range order {
		v := s.Actions[o.key]
		frac := 0.0
		if s.Total > 0 {
			frac = float64(v) / float64(s.Total)
		}
		y := i*26 + 2
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12">%s</text>`, y+15, o.label)
		fmt.Fprintf(&b, `<rect x="150" y="%d" width="%.1f" height="18" fill="%s"/>`, y, frac*float64(w-260), o.color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12">%d (%s)</text>`, 155+frac*float64(w-260), y+15, v, percent(v, s.Total))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
