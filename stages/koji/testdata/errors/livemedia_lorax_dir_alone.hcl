# lorax_dir without lorax_url: koji/cli/commands.py handle_spin_livemedia
# refuses only lorax_url without lorax_dir, and builder/kojid
# LiveMediaTask.handler reads lorax_dir only "if 'lorax_url' in self.opts",
# so Koji accepts it and ignores it. imgpipe does the same, with a warning.
livemedia "Fedora-Live" {
  version   = "41"
  release   = "1"
  arches    = ["x86_64"]
  kickstart = "live.ks"
  repo      = ["https://example.org/41/Everything/x86_64/os/"]
  lorax_dir = "templates/live" # WARNING: lorax_dir without lorax_url
}
