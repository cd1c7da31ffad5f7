package report

import (
	"bytes"
	"compress/flate"
	"io"
	"runtime"
	"sync"
)

// pflate is a deflate compressor that compresses blocks of its input on
// several cores. Each block is compressed on its own and ends with a sync
// flush, which leaves the bit stream byte-aligned, so the blocks written
// one after the other form a single valid deflate stream; the last block
// closes it. Losing the 32 KB history at each block boundary costs well
// under one per cent of the size with blocks of a megabyte.
type pflate struct {
	w     io.Writer
	buf   []byte
	queue chan chan []byte // results in input order
	done  chan error
	limit chan struct{} // bounds the blocks in flight
}

const pflateBlock = 1 << 20

var (
	flatePool = sync.Pool{New: func() any {
		fw, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
		return fw
	}}
	blockPool = sync.Pool{New: func() any { return make([]byte, 0, pflateBlock) }}
)

func newPflate(w io.Writer) *pflate {
	n := max(runtime.GOMAXPROCS(0), 1)
	z := &pflate{
		w:     w,
		buf:   blockPool.Get().([]byte)[:0],
		queue: make(chan chan []byte, 2*n),
		done:  make(chan error, 1),
		limit: make(chan struct{}, n+1),
	}
	go z.writeOut()
	return z
}

// writeOut writes the compressed blocks in order.
func (z *pflate) writeOut() {
	var err error
	for res := range z.queue {
		out := <-res
		if err == nil {
			_, err = z.w.Write(out)
		}
	}
	z.done <- err
}

func (z *pflate) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), pflateBlock-len(z.buf))
		z.buf = append(z.buf, p[:k]...)
		p = p[k:]
		if len(z.buf) == pflateBlock {
			z.submit(false)
		}
	}
	return n, nil
}

func (z *pflate) submit(final bool) {
	in := z.buf
	z.buf = blockPool.Get().([]byte)[:0]
	res := make(chan []byte, 1)
	z.limit <- struct{}{}
	z.queue <- res
	go func() {
		defer func() { <-z.limit }()
		var out bytes.Buffer
		out.Grow(len(in)/4 + 64)
		fw := flatePool.Get().(*flate.Writer)
		fw.Reset(&out)
		_, _ = fw.Write(in) // writes to a bytes.Buffer do not fail
		if final {
			_ = fw.Close()
		} else {
			_ = fw.Flush()
		}
		flatePool.Put(fw)
		blockPool.Put(in[:0]) //nolint:staticcheck // a slice header is small enough
		res <- out.Bytes()
	}()
}

// Close compresses what is left, ends the stream and waits for the output.
func (z *pflate) Close() error {
	z.submit(true)
	close(z.queue)
	err := <-z.done
	blockPool.Put(z.buf[:0]) //nolint:staticcheck // a slice header is small enough
	return err
}
