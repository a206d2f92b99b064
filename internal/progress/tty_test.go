package progress

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/imgpipe/imgpipe/engine/events"
)

// newTestTTY returns a tty renderer that draws only when told, on a fake
// clock the caller moves, width cols wide.
func newTestTTY(t *testing.T, b *bytes.Buffer, clock *time.Time, width int, color bool) *tty {
	t.Helper()
	r, err := New(TTY, b, WithRefresh(0), WithWidth(width), WithColor(color),
		withClock(func() time.Time { return *clock }))
	if err != nil {
		t.Fatal(err)
	}
	return r.(*tty)
}

func TestTTY(t *testing.T) {
	var b bytes.Buffer
	clock := t0
	r := newTestTTY(t, &b, &clock, 60, false)
	emit := func(es []events.Event) {
		for _, e := range es {
			clock = e.Time
			r.Emit(e)
		}
	}
	es := script()
	emit(es[:10])
	long := "\x1b[1mwriting\x1b[0m partition table " + strings.Repeat("x", 80)
	r.Emit(events.Event{Type: events.StageLog, Run: "r1", Stage: "disk", Arch: "aarch64", Line: long})
	r.render(false)

	assertScreen(t, "first frame", b.String(), 60, []string{
		"run r1: build.yaml for x86_64, aarch64 (7 stages)",
		"✔ [aarch64] rootfs CACHED",
		"[x86_64] rootfs           6.0s   configuring systemd",
		"[aarch64] disk on arm-b   3.0s  writing partition table xx…",
	})

	// Nothing changed but the clock: the live area is redrawn in place.
	clock = clock.Add(1500 * time.Millisecond)
	r.render(false)
	assertScreen(t, "second frame", b.String(), 60, []string{
		"run r1: build.yaml for x86_64, aarch64 (7 stages)",
		"✔ [aarch64] rootfs CACHED",
		"[x86_64] rootfs           7.5s   configuring systemd",
		"[aarch64] disk on arm-b   4.5s  writing partition table xx…",
	})

	emit(es[10:])
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Emit(events.Event{Type: events.StageStarted, Run: "r1", Stage: "late"})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	assertScreen(t, "after Close", b.String(), 0, []string{
		"run r1: build.yaml for x86_64, aarch64 (7 stages)",
		"✔ [aarch64] rootfs CACHED",
		"✔ [x86_64] rootfs 41.3s",
		"✘ [aarch64] disk on arm-b 3.2s ERROR: exit status 1",
		"  │ mkfs.ext4 /dev/loop0p2",
		"  │ writing partition table " + strings.Repeat("x", 80),
		"  │ mount: permission denied",
		"- [aarch64] image SKIPPED: input disk [aarch64] failed",
		"✔ [x86_64] disk 0.5s",
		"✔ [noarch] sbom CACHED",
		"✔ [x86_64] image 1.0s",
		"run r1 succeeded: 3 done, 2 cached, 1 failed, 1 skipped",
		"failed arches: aarch64",
	})
}

// TestTTYTailAndUnfinished checks a failure shows only the last lines of
// output, and Close turns stages still running into static lines.
func TestTTYTailAndUnfinished(t *testing.T) {
	var b bytes.Buffer
	clock := t0
	r := newTestTTY(t, &b, &clock, 80, true)
	r.Emit(events.Event{Type: events.StageStarted, Stage: "build", Arch: "x86_64"})
	r.Emit(events.Event{Type: events.StageStarted, Stage: "slow", Arch: "x86_64"})
	for i := 1; i <= 15; i++ {
		r.Emit(events.Event{Type: events.StageLog, Stage: "build", Arch: "x86_64", Line: "line " + strconv.Itoa(i)})
	}
	clock = clock.Add(2 * time.Second)
	r.render(false)
	r.Emit(events.Event{Type: events.StageFailed, Stage: "build", Arch: "x86_64", Error: "make: *** [all] Error 2\nsee build.log"})
	clock = clock.Add(time.Second)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"\x1b[31m✘\x1b[0m [x86_64] build 2.0s \x1b[31mERROR: make: *** [all] Error 2\x1b[0m",
		"  see build.log",
	}
	for i := 6; i <= 15; i++ {
		want = append(want, fmt.Sprintf("\x1b[2m  │ line %d\x1b[0m", i))
	}
	want = append(want, "\x1b[2m- [x86_64] slow 3.0s UNFINISHED\x1b[0m")
	assertScreen(t, "after Close", b.String(), 0, want)
}

func TestTTYLiveLines(t *testing.T) {
	var b bytes.Buffer
	clock := t0
	r := newTestTTY(t, &b, &clock, 30, false)
	for _, s := range []string{"a", "bb", "ccc", "dddd", "a-very-long-stage-name-indeed"} {
		r.Emit(events.Event{Type: events.StageStarted, Stage: s, Arch: "x86_64"})
	}
	r.Emit(events.Event{Type: events.StageLog, Stage: "a", Arch: "x86_64", Line: "日本語のログ行がとても長い場合"})
	clock = clock.Add(12345 * time.Millisecond)
	got := r.liveLines(clock, 30, 4)
	want := []string{
		"[x86_64] a       12.3s  日本…",
		"[x86_64] bb      12.3s",
		"… and 3 more running",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = r.liveLines(clock, 30, 0)
	if len(got) != 5 || got[0] != "[x86_64] a       12.3s  日本…" || got[4] != "[x86_64] a-ver…  12.3s" {
		t.Errorf("unbounded height: %q", got)
	}
	r.Close()
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                             "plain",
		"50%\r100%\r\n":                     "100%",
		"\x1b[1;31mred\x1b[0m":              "red",
		"\x1b]0;title\x07after":             "after",
		"\x1b]8;;http://x\x1b\\link":        "link",
		"a\tb\x00c\x7fd\u0085e":             "a bcde",
		"\x1b(Bx":                           "x",
		"trailing escape \x1b":              "trailing escape ",
		"unterminated \x1b[12":              "unterminated ",
		"wide 日本":                           "wide 日本",
		"invalid \xff utf8":                 "invalid \uFFFD utf8",
		"progress [=====>    ] 50%\r\x1b[K": "",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// assertScreen replays out on a minimal terminal and compares the lines on
// screen with want. The cursor must rest at the start of an empty line
// below them; with width > 0, no line may be width columns or wider.
func assertScreen(t *testing.T, what, out string, width int, want []string) {
	t.Helper()
	got := emulate(t, out)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: screen:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if width > 0 {
		for _, l := range got {
			if c := cols(l); c >= width {
				t.Errorf("%s: %d columns in %q", what, c, l)
			}
		}
	}
}

// emulate interprets the output of a tty renderer: text, \r, \n, cursor
// up, clear to end of screen and SGR. It fails on anything else. It
// returns the screen's lines above the cursor, which must be at the start
// of the last, empty line.
func emulate(t *testing.T, out string) []string {
	t.Helper()
	lines := [][]rune{nil}
	row, col := 0, 0
	for i := 0; i < len(out); {
		switch c := out[i]; c {
		case '\r':
			col = 0
			i++
		case '\n':
			row, col = row+1, 0
			if row == len(lines) {
				lines = append(lines, nil)
			}
			i++
		case 0x1b:
			j := i + 2
			for j < len(out) && (out[j] >= '0' && out[j] <= '9' || out[j] == ';') {
				j++
			}
			if out[i+1] != '[' || j >= len(out) {
				t.Fatalf("unexpected escape at %d: %q", i, out[i:min(i+10, len(out))])
			}
			arg := out[i+2 : j]
			switch out[j] {
			case 'A':
				n, _ := strconv.Atoi(arg)
				if row -= n; row < 0 {
					t.Fatalf("cursor moved above the output")
				}
			case 'J':
				lines[row] = lines[row][:min(col, len(lines[row]))]
				lines = lines[:row+1]
			case 'm':
				// Keep SGR sequences in the text, to check colors.
				lines[row] = append(lines[row][:min(col, len(lines[row]))], []rune(out[i:j+1])...)
				col = len(lines[row])
			default:
				t.Fatalf("unexpected escape %q", out[i:j+1])
			}
			i = j + 1
		default:
			r, size := utf8.DecodeRuneInString(out[i:])
			i += size
			for len(lines[row]) < col {
				lines[row] = append(lines[row], ' ')
			}
			if col < len(lines[row]) {
				lines[row][col] = r
			} else {
				lines[row] = append(lines[row], r)
			}
			col++
		}
	}
	if row != len(lines)-1 || col != 0 || len(lines[row]) != 0 {
		t.Errorf("cursor at row %d col %d of %d lines, want at the start of an empty last line", row, col, len(lines))
	}
	var screen []string
	for _, l := range lines[:row] {
		screen = append(screen, string(l))
	}
	return screen
}
