# Local values are computed before any stage runs.
locals {
  kickstart = stage.ks.kickstart # ERROR: Stage reference in locals
  ks_copy   = local.kickstart
}

build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetch-ks" "ks" {
  url  = "git+https://example.org/ks.git#main"
  file = "a.ks"
}

stage "flatten" "flat" {
  source = local.ks_copy
}
