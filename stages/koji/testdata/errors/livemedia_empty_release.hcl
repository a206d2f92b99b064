# release = "" in spin-livemedia: koji/cli/commands.py _build_image passes
# it (not None), kojihub get_next_build keeps it, and builder/kojid
# LiveMediaTask names the ISO '%s-%s-%s-%s.iso' % (name, arch, version, "")
# with the volume ID _shortenVolID(name, version, ""). imgpipe would publish
# under the next release, so it needs one.
livemedia "Fedora-Live" {
  version   = "41"
  release   = "" # ERROR: Empty release
  arches    = ["x86_64"]
  kickstart = "live.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
}
