package kickstart

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCorpus flattens every corpus kickstart with an %include.
func BenchmarkCorpus(b *testing.B) {
	files := corpusFiles(b)
	srcs := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if srcs[i], err = os.ReadFile(filepath.Join(corpusDir, f)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i, f := range files {
			ks, _ := Parse(filepath.Join(corpusDir, f), srcs[i], Options{Version: F45, Resolver: DirResolver{}})
			_ = ks.String()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(files))/1e6, "ms/file")
}
