# koji/cli/commands.py handle_spin_livecd refuses a --volid with
# len(volid) > 32 characters: this one has 33 (66 bytes).
livecd "Fedora-Live" {
  version   = "41"
  release   = "1"
  arches    = ["x86_64"]
  kickstart = "live.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
  volid     = "ÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜ" # ERROR: Volume ID too long
}
