# koji/cli/commands.py handle_spin_livemedia refuses a --volid with
# len(volid) > 32: a Python str's length, in characters. This volid has 32
# characters (64 bytes), so Koji accepts it, and so must imgpipe.
livemedia "Fedora-Live" {
  version   = "41"
  release   = "1"
  target    = "f41" # WARNING: Unused locally: target
  arches    = ["x86_64"]
  kickstart = "live.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
  volid     = "ÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜ"
}
