package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vetdesk/casework"
)

var (
	baseOnce  sync.Once
	baseCases []*casework.Case
)

// cycleSource serves n cases made from a few thousand generated ones, each
// a shallow copy with its own number, the way a store decodes one row at a
// time: the heap holds the report's data, not 100,000 cases (which would
// take some 800 MB and hide the report's own memory behind them).
type cycleSource struct {
	base []*casework.Case
	n    int
}

func (s cycleSource) EachCase(ctx context.Context, fn func(*casework.Case) error) error {
	for i := 0; i < s.n; i++ {
		c := *s.base[i%len(s.base)]
		if c.Number != "" {
			c.Number = fmt.Sprintf("%s%06d", c.Number[:len(c.Number)-6], i+1)
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

func bigSource(b *testing.B, n int) cycleSource {
	b.Helper()
	cat := loadCat(b)
	baseOnce.Do(func() { baseCases = genCases(b, cat, 5000, 7) })
	return cycleSource{base: baseCases, n: n}
}

// vmHWM returns the peak resident set size of the process in bytes.
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// countWriter counts the bytes of the workbook.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// peakHeap samples the heap in use every few milliseconds until stopped and
// returns the highest value seen.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak.Load() {
			peak.Store(ms.HeapInuse)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		sample()
		return peak.Load()
	}
}

// BenchmarkWrite100k writes the whole workbook over 100,000 cases. Besides
// time it reports the CPU time per run (cpu-s/op, every core together),
// the report's memory: the peak heap in use above the heap
// before the call (peak-MB), the peak resident set of the whole benchmark
// process (vmhwm-MB), the bytes allocated (alloc-MB/op) and the size of the
// file (xlsx-MB).
func BenchmarkWrite100k(b *testing.B) {
	cat := loadCat(b)
	src := bigSource(b, 100_000)
	p := Params{Today: testToday}
	b.ResetTimer()
	var peak, alloc uint64
	var size int64
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := peakHeap()
		w := &countWriter{}
		if _, err := Write(context.Background(), w, src, cat, p); err != nil {
			b.Fatalf("Write = %v", err)
		}
		pk := stop()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		peak = max(peak, pk-before.HeapInuse)
		alloc += after.TotalAlloc - before.TotalAlloc
		size = w.n
	}
	b.StopTimer()
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(alloc)/float64(b.N)/(1<<20), "alloc-MB/op")
	b.ReportMetric(float64(size)/(1<<20), "xlsx-MB")
	b.ReportMetric(float64(vmHWM())/(1<<20), "vmhwm-MB")
}

// BenchmarkReadRoster10k imports a roster of 10,000 generated veterans,
// dates as real Excel dates, from a workbook made once.
func BenchmarkReadRoster10k(b *testing.B) {
	cat := loadCat(b)
	vs := veterans(b, 10_000, 5)
	rows := make([][]any, len(vs))
	for i, v := range vs {
		rows[i] = []any{i + 1, v.name, v.id, v.sex, v.enlist, v.discharge, v.placement, v.division, v.phone}
	}
	data := makeRoster(b, []string{"2026年退役军人花名册"}, []string{"序号", "姓名", "公民身份号码", "性别", "入伍时间", "退役时间", "安置方式", "安置地", "联系电话"}, rows)
	b.ReportMetric(float64(len(data))/(1<<20), "xlsx-MB")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ReadRoster(context.Background(), bytes.NewReader(data), cat, rosterNow)
		if err != nil {
			b.Fatalf("ReadRoster = %v", err)
		}
		// the generator may draw the same ID number twice: the second is refused as a duplicate
		if len(res.Entries)+len(res.Rejected) != len(vs) || len(res.Rejected) > 10 {
			b.Fatalf("ReadRoster = %d entries, %d rejected, want %d rows", len(res.Entries), len(res.Rejected), len(vs))
		}
	}
}
