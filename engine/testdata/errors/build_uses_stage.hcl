# The build block cannot use stage outputs: it is known before any stage runs.
build {
  name    = "img"
  version = stage.ver.revision # ERROR: Stage reference in build block
  arches  = ["x86_64"]
}

stage "fetch-ks" "ver" {
  url  = "git+https://example.org/ks.git#main"
  file = "a.ks"
}
