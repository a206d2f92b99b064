# release = "" in spin-livemedia: koji/cli/commands.py _build_image passes
# it (not None), kojihub get_next_build keeps it, and builder/kojid
# LiveMediaTask names the ISO '%s-%s-%s-%s.iso' % (name, arch, version, "")
# with the volume ID _shortenVolID(name, version, ""). imgpipe numbers it,
# and names the ISO after the release it settles: a warning.
livemedia "Fedora-Live" {
  version   = "41"
  release   = "" # WARNING: Empty release
  arches    = ["x86_64"]
  kickstart = "live.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
}
