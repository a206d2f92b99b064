package syncbuf

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprintf(&b, "%d", i)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := len(b.String()); n != 800 {
		t.Errorf("%d bytes, want 800", n)
	}
}

func TestWaitFor(t *testing.T) {
	var b Buffer
	done := make(chan bool)
	go func() { done <- b.WaitFor("ready\n", time.Minute) }()
	b.Write([]byte("rea"))
	b.Write([]byte("dy\n"))
	if !<-done {
		t.Error("WaitFor returned false after the text was written")
	}
	if b.WaitFor("never", 10*time.Millisecond) {
		t.Error("WaitFor found text that was never written")
	}
}
