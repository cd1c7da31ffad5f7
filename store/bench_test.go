package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
)

// benchCases is the size of the benchmark data set; VETDESK_BENCH_CASES
// overrides it (e.g. 10000 for a quick run).
func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("VETDESK_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// benchKey is the key the benchmarks open the data set's working copy
// with: a fixed one with $VETDESK_BENCH_SEALED=1 (the copy is sealed at its
// first open, not timed), else nil (plaintext).
func benchKey() []byte {
	if os.Getenv("VETDESK_BENCH_SEALED") != "1" {
		return nil
	}
	return []byte("vetdesk benchmark key, 32 bytes!")
}

type datasetInfo struct {
	Cases    int     `json:"cases"`
	LoadSecs float64 `json:"load_secs"`
	FileMB   float64 `json:"file_mb"`
}

var (
	dsOnce sync.Once
	dsPath string
	dsInfo datasetInfo
	dsErr  error
)

// schemaKey changes whenever a migration or the generator seed changes, so a
// cached data set of an older schema is never reused.
func schemaKey(n int) string {
	h := sha256.New()
	for _, m := range migrations() {
		h.Write([]byte(m.sql))
	}
	fmt.Fprintf(h, "cases=%d;gen=1;digitgram=%d", n, digitGram)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// dataset returns a working copy of the benchmark data set, building the
// cached master under os.TempDir once.
func dataset(b *testing.B) (string, datasetInfo) {
	dsOnce.Do(func() {
		n := benchCases()
		dir := filepath.Join(os.TempDir(), "vetdesk-store-bench")
		os.MkdirAll(dir, 0o700)
		master := filepath.Join(dir, "cases-"+schemaKey(n)+".db")
		infoPath := master + ".json"
		cached := false
		if raw, err := os.ReadFile(infoPath); err == nil && json.Unmarshal(raw, &dsInfo) == nil {
			_, err := os.Stat(master)
			cached = err == nil
		}
		if !cached {
			start := time.Now()
			if dsErr = buildDataset(b, master, n); dsErr != nil {
				return
			}
			st, _ := os.Stat(master)
			dsInfo = datasetInfo{Cases: n, LoadSecs: time.Since(start).Seconds(), FileMB: float64(st.Size()) / 1e6}
			raw, _ := json.Marshal(dsInfo)
			os.WriteFile(infoPath, raw, 0o600)
		}
		if key := benchKey(); key != nil {
			// the sealed copy is cached too: sealing 1.3 GB takes minutes
			sealed := master + ".sealed"
			if _, err := os.Stat(sealed); err != nil {
				if dsErr = sealDataset(master, sealed, key); dsErr != nil {
					return
				}
			}
			master = sealed
		}
		dsPath, dsErr = copyForBench(master)
	})
	if dsErr != nil {
		b.Fatalf("benchmark data set: %v", dsErr)
	}
	return dsPath, dsInfo
}

// sealDataset writes a sealed copy of the plaintext data set master to
// sealed: a copy opened with key is sealed at its first open.
func sealDataset(master, sealed string, key []byte) error {
	tmp := sealed + ".building"
	os.Remove(tmp)
	if err := copyFile(master, tmp); err != nil {
		return err
	}
	db, err := Open(tmp, Options{Key: key})
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, sealed)
}

func copyForBench(master string) (string, error) {
	dir, err := os.MkdirTemp("", "vetdesk-bench-*")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "work.db")
	return p, copyFile(master, p)
}

// buildDataset writes n synthetic cases, two in three accepted, through
// ImportCases (one transaction per thousand).
func buildDataset(b *testing.B, path string, n int) error {
	os.Remove(path)
	tmp := path + ".building"
	os.Remove(tmp)
	db, err := Open(tmp, Options{})
	if err != nil {
		return err
	}
	cat := testCatalogue(b)
	g := casework.NewGenerator(cat, 2026, testNow)
	offices := []string{"371002", "371002", "371003", "371082", "371083"}
	batch := make([]*casework.Case, 0, importBatch)
	ctx := context.Background()
	for i := range n {
		c := g.Draft(caseID(i+1), offices[i%len(offices)], i%3 != 0)
		at := testNow.Add(-time.Duration(n-i) * time.Minute)
		c.CreatedAt, c.UpdatedAt = at, at
		if i%3 != 2 {
			num, _ := casework.FormatCaseNumber(c.Office, 2026, "BM01", i+1)
			if _, err := c.Accept(cat, num, at); err != nil {
				c.State = casework.CaseDraft
			}
		}
		batch = append(batch, c)
		if len(batch) == importBatch || i == n-1 {
			if err := db.ImportCases(ctx, clerk, batch); err != nil {
				db.Close()
				return err
			}
			batch = batch[:0]
		}
	}
	if err := db.MergeGrams(ctx); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var benchDB struct {
	once sync.Once
	db   *DB
	err  error
}

func openBench(b *testing.B) *DB {
	path, _ := dataset(b)
	benchDB.once.Do(func() { benchDB.db, benchDB.err = Open(path, Options{Key: benchKey()}) })
	if benchDB.err != nil {
		b.Fatal(benchDB.err)
	}
	benchDB.db.SetDevice(context.Background(), Device{Code: "BX01", Office: "371002"})
	return benchDB.db
}

// BenchmarkDataset reports the bulk-load time and file size of the data set.
func BenchmarkDataset(b *testing.B) {
	_, info := dataset(b)
	for range b.N {
	}
	b.ReportMetric(float64(info.Cases), "cases")
	b.ReportMetric(info.LoadSecs, "load-s")
	b.ReportMetric(info.FileMB, "file-MB")
}

// BenchmarkSaveIntake saves one new ten-item intake (about 60 values, 13
// materials) into the full data set, saves back to back (a bulk entry, a
// replay): the merger never finds the store idle, and a save now and then
// runs the automatic checkpoint.
func BenchmarkSaveIntake(b *testing.B) {
	benchSaves(b, nil)
}

// BenchmarkSaveIntakeAfterIdle saves as BenchmarkSaveIntake does, with the
// pause of a counter between saves: before each save, untimed, what the
// merger does once the store is idle (the postings merged, the WAL
// checkpointed).
func BenchmarkSaveIntakeAfterIdle(b *testing.B) {
	ctx := context.Background()
	benchSaves(b, func(db *DB) error {
		if err := db.MergeGrams(ctx); err != nil {
			return err
		}
		return db.idleCheckpoint(ctx)
	})
}

// benchSaves times b.N saves of new intakes, running pause, untimed, before
// each one, and reports the process's CPU per save and the clerk's wait at
// p50, p95 and p99 (and the CPU of the pauses, the work the merger does off the
// saves).
func benchSaves(b *testing.B, pause func(*DB) error) {
	db := openBench(b)
	g := casework.NewGenerator(testCatalogue(b), uint64(time.Now().UnixNano()), testNow)
	cases := make([]*casework.Case, b.N)
	for i := range cases {
		cases[i] = g.Draft("", "371002", true)
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	var cpu, pauseCPU time.Duration
	cpuOK := true
	b.ResetTimer()
	for i := range b.N {
		if pause != nil {
			b.StopTimer()
			p0, ok0 := processCPU()
			if err := pause(db); err != nil {
				b.Fatal(err)
			}
			p1, ok1 := processCPU()
			pauseCPU += p1 - p0
			cpuOK = cpuOK && ok0 && ok1
			b.StartTimer()
		}
		cpu0, ok0 := processCPU()
		start := time.Now()
		if err := db.SaveCase(ctx, clerk, cases[i]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		cpu1, ok1 := processCPU()
		cpu += cpu1 - cpu0
		cpuOK = cpuOK && ok0 && ok1
	}
	// CPU of the process per save (user and system, background work such
	// as checkpoints included), and the clerk's wait at p50 and p95
	if cpuOK {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		if pause != nil { // the work moved off the save, per save
			b.ReportMetric(float64(pauseCPU.Microseconds())/1000/float64(b.N), "pause-cpu-ms/op")
		}
	}
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	// the benchmarks after this one find the postings merged, as a desk
	// does after its first idle moment (BenchmarkMergeGrams times this)
	b.StopTimer()
	if err := db.MergeGrams(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMergeGrams adds the search postings of saved intakes to the
// index, as the merger does after a save (grams.go): one case at a time (a
// desk idle after each save) and mergeChunk at a time (a desk or hub that
// saves faster than it idles). An op is one case; the saves are not timed.
func BenchmarkMergeGrams(b *testing.B) {
	for _, k := range []int{1, mergeChunk} {
		b.Run(fmt.Sprintf("chunk=%d", k), func(b *testing.B) {
			db := openBench(b)
			g := casework.NewGenerator(testCatalogue(b), uint64(time.Now().UnixNano()), testNow)
			ctx := context.Background()
			var cpu time.Duration
			cpuOK := true
			b.ResetTimer()
			for i := 0; i < b.N; i += k {
				b.StopTimer()
				n := min(k, b.N-i)
				for range n {
					if err := db.SaveCase(ctx, clerk, g.Draft("", "371002", true)); err != nil {
						b.Fatal(err)
					}
				}
				// the merger waits for mergeIdle after the last save: the
				// merge below is this benchmark's
				cpu0, ok := processCPU()
				b.StartTimer()
				merged, _, err := db.mergeGrams(ctx, n)
				b.StopTimer()
				cpu1, _ := processCPU()
				cpu += cpu1 - cpu0
				cpuOK = cpuOK && ok
				if err != nil {
					b.Fatal(err)
				}
				if merged != n {
					b.Fatalf("merged %d cases, want %d", merged, n)
				}
				b.StartTimer()
			}
			if cpuOK {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			}
		})
	}
}

// BenchmarkEditCase changes one value of an existing case.
func BenchmarkEditCase(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	n := benchCases()
	b.ResetTimer()
	for i := range b.N {
		id := caseID(1 + (i*7919)%n)
		_, err := db.UpdateCase(ctx, clerk, id, func(c *casework.Case) error {
			c.Values["post"] = "edit " + strconv.Itoa(i)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(float64(len(d)-1)*p)]
}

// BenchmarkSearch runs the counter's searches over the data set with terms
// drawn from it, reporting p50 and p95 besides the mean, and the process's
// CPU time per search (which the machine's load changes less).
func BenchmarkSearch(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	var names2, names3, ids, phones, numfrags []string
	rows, err := db.sql.Query(`SELECT name, id_number, phone, number FROM cases WHERE rid % 97 = 0 LIMIT 1000`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name, id, phone, number string
		rows.Scan(&name, &id, &phone, &number)
		if parts := strings.SplitN(number, "-", 3); len(parts) == 3 {
			numfrags = append(numfrags, parts[2]) // device and sequence: HC01-000123
		}
		switch len([]rune(name)) {
		case 2:
			names2 = append(names2, name)
		case 3:
			names3 = append(names3, name)
		}
		ids = append(ids, id[6:14])
		phones = append(phones, phone[7:])
	}
	rows.Close()
	tests := []struct {
		name  string
		terms []string
		q     Query
	}{
		{"name2", names2, Query{}},
		{"name3", names3, Query{}},
		{"idfrag", ids, Query{}},
		{"phone4", phones, Query{}},
		{"numfrag", numfrags, Query{}}, // a case number fragment across its parts: the number grams
		{"surname+office", []string{"王", "李", "张"}, Query{Office: "371002"}},
		{"list-accepted", []string{""}, Query{States: []casework.CaseState{casework.CaseAccepted}}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			lat := make([]time.Duration, 0, b.N)
			total := 0
			cpu0, cpuOK := processCPU()
			for i := range b.N {
				q := tt.q
				q.Text = tt.terms[(i+rng.IntN(3))%len(tt.terms)]
				q.Limit = 50
				start := time.Now()
				_, n, err := db.Search(ctx, q)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				total += n
			}
			if cpu1, _ := processCPU(); cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			}
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total)/float64(b.N), "hits/op")
		})
	}
}

// BenchmarkOpenCase loads a case and its history, as the case screen does.
func BenchmarkOpenCase(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	n := benchCases()
	b.ResetTimer()
	for i := range b.N {
		id := caseID(1 + (i*104729)%n)
		if _, err := db.Case(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := db.History(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEachCase streams every case, as a report does.
func BenchmarkEachCase(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	for range b.N {
		n := 0
		if err := db.EachCase(ctx, func(*casework.Case) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEachCaseBrief reads what the reports need of every case (the
// eight value fields of report.ValueFields, tasks, dates).
func BenchmarkEachCaseBrief(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	fields := []string{"name", "sex", "id_number", "phone", "personnel_category", "placement", "placement_division", "bank_account"}
	b.ResetTimer()
	for range b.N {
		n := 0
		if err := db.EachCaseBrief(ctx, fields, func(*casework.Case) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMain removes the benchmark's working copy of the data set (the cached
// master stays for the next run).
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB.db != nil {
		benchDB.db.Close()
	}
	if dsPath != "" {
		os.RemoveAll(filepath.Dir(dsPath))
	}
	os.Exit(code)
}

// BenchmarkWriteSnapshot measures the hub's side of a first sync: writing
// the snapshot of office 371002 (two in five of the data set's cases) from
// the 100,000-case data set.
func BenchmarkWriteSnapshot(b *testing.B) {
	path, _ := dataset(b)
	db, err := Open(path, Options{Key: benchKey()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	out := filepath.Join(b.TempDir(), "snap.db")
	b.ResetTimer()
	var info SnapshotInfo
	for range b.N {
		if info, err = db.WriteSnapshot(context.Background(), out, "371002"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st, _ := os.Stat(out)
	b.ReportMetric(float64(info.Cases), "cases")
	b.ReportMetric(float64(st.Size())/1e6, "MB")
	b.ReportMetric(float64(info.Cases)/(b.Elapsed().Seconds()/float64(b.N)), "cases/s")
}

// BenchmarkAdoptSnapshot measures the desktop's side of a first sync with a
// kept snapshot: the snapshot of office 371002 of the 100,000-case data set
// (written once, untimed, sealed with a key of its own as a sealed hub
// writes it, or plaintext without $VETDESK_BENCH_SEALED) adopted by an
// empty store (sealed with another key, or plaintext): the in-place rekey
// and AdoptSnapshot. The download is a file copy on loopback and not in it.
func BenchmarkAdoptSnapshot(b *testing.B) {
	path, _ := dataset(b)
	db, err := Open(path, Options{Key: benchKey()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	dir := b.TempDir()
	master := filepath.Join(dir, "snap.db")
	var snapKey, deskKey []byte
	if benchKey() != nil {
		snapKey, deskKey = []byte("vetdesk benchmark snapshot key!!"), []byte("vetdesk benchmark desk key......")
	}
	ctx := context.Background()
	info, err := db.WriteSnapshotKey(ctx, master, "371002", snapKey)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		snap := filepath.Join(dir, fmt.Sprintf("part%d.db", i))
		if err := copyFile(master, snap); err != nil {
			b.Fatal(err)
		}
		desk, err := Open(filepath.Join(dir, fmt.Sprintf("desk%d", i), "vetdesk.db"), Options{Key: deskKey})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := desk.AdoptSnapshotSealed(ctx, snap, snapKey, nil, map[string]string{"sync.cursor": "1"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		desk.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(info.Cases), "cases")
}
