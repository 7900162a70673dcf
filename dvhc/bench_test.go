package dvhc

import "testing"

// BenchmarkAnalyse measures what the lookup costs every message: reading
// the question for unit names (a short lookup question, and a long
// procedure story that mentions an old ward).
func BenchmarkAnalyse(b *testing.B) {
	d := mustLoad(b)
	for _, c := range []struct{ name, q string }{
		{"lookup", "phường Dịch Vọng Hậu cũ giờ thuộc phường nào"},
		{"story", "Tôi và vợ đang ở cùng gia đình tôi ở Hải Dương, nhưng nay vợ chồng tôi vừa tìm được một công việc mới ở Hà Nội, nên muốn quyết định chuyển nhà do thuận tiện công việc. Bố mẹ vợ tôi có nhà ở Phường Chương Dương, Quận Hoàn Kiếm, Hà Nội (có sổ đỏ). Vậy vợ chồng tôi có được chuyển khẩu về Hà Nội không? Hồ sơ và chi phí chuyển khẩu như thế nào?"},
		{"plain", "làm lại căn cước bị mất ở đâu"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				_ = d.Resolve(d.Analyse(c.q))
			}
		})
	}
}
