# depends_on naming a stage that is not declared.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "prepare" {
  command = ["true"]
}

stage "exec" "build" {
  command = ["true"]
  depends_on = [
    stage.prepare,
    stage.prepar, # ERROR: Reference to undeclared stage
  ]
}
