# A stage reference names the output it uses.
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
  source = stage.ks # ERROR: Incomplete stage reference
}

stage "exec" "hello" {
  command = ["cat", stage] # ERROR: Incomplete stage reference
  env     = { KS = stage[0].kickstart } # ERROR: Invalid stage reference
}
