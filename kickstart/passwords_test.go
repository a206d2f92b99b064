package kickstart

import (
	"slices"
	"testing"
)

func TestMaskPasswords(t *testing.T) {
	in := `# a comment: rootpw notthis
rootpw --plaintext "root secret"
sshpw --username=install sshsecret --plaintext
sshpw --username install --iscrypted $6$cryptedsalt
user --name=alice --password=alicepw --plaintext
user --name bob --password bobpw
bootloader --location=mbr --password=grubpw
bootloader --md5pass grubmd5
network --bootproto=dhcp
%post
echo rootpw insection
%end
rootpw --lock
rootpw --iscrypted --lock locked
`
	want := `# a comment: rootpw notthis
rootpw --plaintext *
sshpw --username=install * --plaintext
sshpw --username install --iscrypted *
user --name=alice --password=* --plaintext
user --name bob --password *
bootloader --location=mbr --password=*
bootloader --md5pass *
network --bootproto=dhcp
%post
echo rootpw insection
%end
rootpw --lock
rootpw --iscrypted --lock *
`
	got, found := MaskPasswords(in, "*")
	if got != want {
		t.Errorf("MaskPasswords:\n%s\nwant:\n%s", got, want)
	}
	// Fedora's `rootpw --iscrypted --lock locked`: "locked" is no crypt(3)
	// hash, so it is masked in the kickstart but is no secret elsewhere.
	wantFound := []string{"root secret", "sshsecret", "$6$cryptedsalt", "alicepw", "bobpw", "grubpw", "grubmd5"}
	if !slices.Equal(found, wantFound) {
		t.Errorf("found %q, want %q", found, wantFound)
	}
}
