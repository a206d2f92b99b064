# References to outputs a stage does not have.
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
  source = stage.ks.kickstar # ERROR: Reference to unknown stage output
}

stage "exec" "disk" {
  command = ["truncate", "-s", "1M", "disk.raw"]
  outputs = ["disk.raw"]
}

stage "exec" "qcow2" {
  command = ["convert", stage.disk["disk.qcow2"]] # ERROR: Reference to unknown stage output
  outputs = ["disk.qcow2"]
}
