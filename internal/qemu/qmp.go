package qemu

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// QMP is a client of qemu's machine protocol on a unix socket: one command
// at a time, events skipped.
type QMP struct {
	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
}

// DialQMP connects to the socket at path, retrying until ctx is done while
// qemu starts, and negotiates capabilities.
func DialQMP(ctx context.Context, path string) (*QMP, error) {
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "unix", path)
		if err == nil {
			q := &QMP{conn: conn, r: bufio.NewReader(conn)}
			if err := q.handshake(); err != nil {
				conn.Close()
				return nil, err
			}
			return q, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to QMP at %s: %w", path, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (q *QMP) handshake() error {
	q.conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer q.conn.SetDeadline(time.Time{})
	var greeting struct {
		QMP json.RawMessage `json:"QMP"`
	}
	line, err := q.r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("QMP greeting: %w", err)
	}
	if err := json.Unmarshal(line, &greeting); err != nil || greeting.QMP == nil {
		return fmt.Errorf("QMP greeting: unexpected %q", line)
	}
	_, err = q.execute("qmp_capabilities", nil)
	return err
}

// Close closes the connection.
func (q *QMP) Close() error { return q.conn.Close() }

// QMPError is an error reply.
type QMPError struct {
	Command, Class, Desc string
}

func (e *QMPError) Error() string { return fmt.Sprintf("QMP %s: %s: %s", e.Command, e.Class, e.Desc) }

// Execute runs one command and returns its "return" value.
func (q *QMP) Execute(ctx context.Context, cmd string, args any) (json.RawMessage, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	q.conn.SetDeadline(deadline)
	defer q.conn.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { q.conn.SetDeadline(time.Now()) })
	defer stop()
	return q.execute(cmd, args)
}

func (q *QMP) execute(cmd string, args any) (json.RawMessage, error) {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("QMP %s: %w", cmd, err)
	}
	for {
		line, err := q.r.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("QMP %s: %w", cmd, err)
		}
		var resp struct {
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Class string `json:"class"`
				Desc  string `json:"desc"`
			} `json:"error"`
			Event string `json:"event"`
		}
		if err := json.Unmarshal(line, &resp); err != nil {
			return nil, fmt.Errorf("QMP %s: %w", cmd, err)
		}
		switch {
		case resp.Event != "":
			continue
		case resp.Error != nil:
			return nil, &QMPError{Command: cmd, Class: resp.Error.Class, Desc: resp.Error.Desc}
		default:
			return resp.Return, nil
		}
	}
}

// Screendump writes the display as a PNG file (qemu writes it, so path is
// on qemu's machine).
func (q *QMP) Screendump(ctx context.Context, path string) error {
	_, err := q.Execute(ctx, "screendump", map[string]string{"filename": path, "format": "png"})
	return err
}

// BlockOps returns the number of read and write requests all block
// devices have completed, the counter Oz's disk-activity watchdog watches.
func (q *QMP) BlockOps(ctx context.Context) (int64, error) {
	raw, err := q.Execute(ctx, "query-blockstats", nil)
	if err != nil {
		return 0, err
	}
	var stats []struct {
		Stats struct {
			RdOps int64 `json:"rd_operations"`
			WrOps int64 `json:"wr_operations"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(raw, &stats); err != nil {
		return 0, fmt.Errorf("query-blockstats: %w", err)
	}
	var n int64
	for _, s := range stats {
		n += s.Stats.RdOps + s.Stats.WrOps
	}
	return n, nil
}

// Quit stops qemu at once.
func (q *QMP) Quit(ctx context.Context) error {
	_, err := q.Execute(ctx, "quit", nil)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// PcapCounter sums the original length of the packets in a growing pcap
// file (qemu's filter-dump), reading only what is new at each Poll.
type PcapCounter struct {
	Path  string
	off   int64
	total int64
}

// Poll returns the bytes of traffic recorded so far. A missing file is no
// traffic yet.
func (c *PcapCounter) Poll() int64 {
	f, err := os.Open(c.Path)
	if err != nil {
		return c.total
	}
	defer f.Close()
	if c.off == 0 {
		c.off = 24 // the global header
	}
	hdr := make([]byte, 16)
	for {
		if _, err := f.ReadAt(hdr, c.off); err != nil {
			return c.total
		}
		incl := int64(binary.LittleEndian.Uint32(hdr[8:]))
		orig := int64(binary.LittleEndian.Uint32(hdr[12:]))
		if fi, err := f.Stat(); err != nil || fi.Size() < c.off+16+incl {
			return c.total // a record still being written
		}
		c.off += 16 + incl
		c.total += orig
	}
}
