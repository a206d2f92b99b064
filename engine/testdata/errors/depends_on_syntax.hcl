# depends_on takes a list of whole stages.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "a" {
  command = ["true"]
  outputs = ["out"]
}

stage "exec" "b" {
  command    = ["true"]
  depends_on = stage.a # ERROR: Invalid depends_on
}

stage "exec" "c" {
  command = ["true"]
  depends_on = [
    stage.a.out, # ERROR: Invalid depends_on entry
    "a",         # ERROR: Invalid depends_on entry
    stage,       # ERROR: Invalid depends_on entry
    stage["a"],  # ERROR: Invalid depends_on entry
  ]
}
