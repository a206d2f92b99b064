# References to stages that do not exist.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetch-ks" "kickstart" {
  url  = "git+https://example.org/ks.git#main"
  file = "a.ks"
}

stage "flatten" "flat" {
  source = stage.kickstrt.kickstart # ERROR: Reference to undeclared stage
}

stage "exec" "hello" {
  command    = ["echo", "hello"]
  depends_on = [stage.flat, stage.verify] # ERROR: Reference to undeclared stage
}
