package bootverify_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgpipe/imgpipe/stages/bootverify"
)

func TestParseIcicle(t *testing.T) {
	lines := []string{
		"[    1.0] rpm,not,a,record,from,the,kernel,0",
		"         Starting kernel-command-line.service - Command from Kernel Command Line...",
		"tree,2.1.0,2.fx1,x86_64,(none),30,0123456789abcdef0123456789abcdef,1700000000",
		"[    3.2] random: crng init done",
		"busybox,1.35.0,4.fx1,x86_64,1,1982256,fedcba9876543210fedcba9876543210,1700000000",
		"gpg-pubkey,abc,def,(none),(none),0,(none),1600000000",
		"[  OK  ] Finished kernel-command-line.service - Command from Kernel Command Line.",
		"hello,1,1,noarch,(none),1,x,1",
	}
	one := 1
	want := []bootverify.Package{
		{Name: "busybox", Version: "1.35.0", Release: "4.fx1", Arch: "x86_64", Epoch: &one, Size: 1982256, SigMD5: "fedcba9876543210fedcba9876543210", BuildTime: 1700000000},
		{Name: "gpg-pubkey", Version: "abc", Release: "def", Arch: "(none)", Size: 0, SigMD5: "(none)", BuildTime: 1600000000},
		{Name: "tree", Version: "2.1.0", Release: "2.fx1", Arch: "x86_64", Size: 30, SigMD5: "0123456789abcdef0123456789abcdef", BuildTime: 1700000000},
	}
	if d := cmp.Diff(want, bootverify.ParseIcicle(lines)); d != "" {
		t.Errorf("ParseIcicle (-want +got):\n%s", d)
	}
}
